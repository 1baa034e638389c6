package oa

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestJavaDoubleWritesNumbersAsJavaDid(t *testing.T) {
	for in, want := range map[string]string{
		"20000000":    "2.0E7",
		"12345678.9":  "1.23456789E7",
		"9999999.99":  "9999999.99",
		"20000":       "20000.0",
		"86000.5":     "86000.5",
		"0.1":         "0.1",
		"0":           "0.0",
		"-1500":       "-1500.0",
		"0.0001":      "1.0E-4",
		"10000000000": "1.0E10",
	} {
		if got := javaDouble(decimal.RequireFromString(in)); string(got) != want {
			t.Errorf("javaDouble(%s) = %s, want %s", in, got, want)
		}
	}
}
