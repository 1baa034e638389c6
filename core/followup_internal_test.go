package core

import "testing"

func TestCheckCoordinates(t *testing.T) {
	for _, c := range []struct {
		lat, lng string
		ok       bool
	}{
		{"", "", true}, {"31.2304161", "121.4737010", true}, {"-90", "180", true}, {"0", "-180.0", true},
		{"31.2", "", false}, {"", "121.4", false}, {"90.0001", "0", false}, {"0", "-180.5", false},
		{"北纬", "121", false}, {"31.2", "1e3", false}, {"1" + string(make([]byte, 40)), "0", false},
	} {
		if err := checkCoordinates(c.lat, c.lng); (err == nil) != c.ok {
			t.Errorf("%q, %q: %v", c.lat, c.lng, err)
		}
	}
}

func TestStages(t *testing.T) {
	for _, c := range []struct {
		o    Opportunity
		code uint64
	}{
		{Opportunity{Stage: OpportunityOpen}, OpportunityStageFirst},
		{Opportunity{Stage: OpportunityWon}, OpportunityStageWon},
		{Opportunity{Stage: OpportunityLost}, OpportunityStageLost},
		{Opportunity{Stage: OpportunityWon, StageID: 3}, 3},
	} {
		if got := c.o.StageCode(); got != c.code {
			t.Errorf("%+v: stage %d, want %d", c.o, got, c.code)
		}
	}
	for code, state := range map[uint64]string{1: OpportunityOpen, 4: OpportunityOpen, 5: OpportunityWon, 6: OpportunityLost, 99: OpportunityOpen} {
		if got := stageState(code); got != state {
			t.Errorf("stage %d: %s, want %s", code, got, state)
		}
	}
}
