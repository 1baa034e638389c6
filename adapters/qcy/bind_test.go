package qcy

import (
	"testing"
	"time"
)

// parseNetDateTime reads what DateTime.Parse reads of .NET clients' text, in
// the tenant's zone, and nothing it refuses.
func TestParseNetDateTime(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	now := time.Date(2015, 10, 15, 10, 0, 0, 0, shanghai)
	for sent, want := range map[string]string{
		"2013-05-05 10:25:30":              "2013-05-05 10:25:30",
		"2013/5/5 10:25:30":                "2013-05-05 10:25:30",
		"2013-05-05T10:25:30.1234567":      "2013-05-05 10:25:30",
		"2013-05-05T10:25:30-05:30":        "2013-05-05 23:55:30",
		"2013-05-05T23:25:30Z":             "2013-05-06 07:25:30",
		"2013-05-05 10:25:30+08":           "2013-05-05 10:25:30",
		"2012-02-29":                       "2012-02-29 00:00:00",
		"9:5":                              "2015-10-15 09:05:00",
		"23:59:59":                         "2015-10-15 23:59:59",
		"2013-05-05T10:25:30+14:00":        "2013-05-05 04:25:30",
		"2013-05-05    10:25":              "2013-05-05 10:25:00",
		"2013-02-29":                       "",
		"2013-00-10":                       "",
		"2013-05-05T10:25:30+14:01":        "",
		"2013-05-05T10:25:30+08:60":        "",
		"2013-05-05T":                      "",
		"2013-05-05 10:25:30.12345678":     "",
		"2013.05.05":                       "",
		"13-05-05":                         "",
		"2013-05-05 10:25:30 +08:00 extra": "",
		"１０:２５":                            "",
		"2013-05-05 10:25:30\n":            "2013-05-05 10:25:30", // white space around, as DateTime.Parse allows
	} {
		got, ok := parseNetDateTime(sent, now)
		if (want == "") == ok || ok && got.Format(dateTime) != want || ok && got.Location() != shanghai {
			t.Errorf("%q: %v %v, want %q", sent, got, ok, want)
		}
	}
}
