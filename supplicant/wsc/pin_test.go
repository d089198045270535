package wsc

import (
	"errors"
	"testing"
)

func TestPINChecksum(t *testing.T) {
	tests := []struct {
		prefix uint32
		want   uint8
	}{
		{1234567, 0}, // the well-known PIN 12345670
		{0, 0},
		{1000000, 7},
		{9999999, 5},
		{4922687, 4},
		{9324827, 3}, // 93248273, a PIN wpa_supplicant displayed in provision-discovery
		{9709139, 4}, // 97091394, likewise
	}
	for _, tt := range tests {
		if got := PINChecksum(tt.prefix); got != tt.want {
			t.Errorf("PINChecksum(%07d) = %d, want %d", tt.prefix, got, tt.want)
		}
	}
}

func TestPINFromPrefixAppendsTheChecksum(t *testing.T) {
	for prefix, want := range map[uint32]string{1234567: "12345670", 42: "00000420", 10000000: "00000000"} {
		if got := PINFromPrefix(prefix); got != want {
			t.Errorf("PINFromPrefix(%d) = %q, want %q", prefix, got, want)
		}
		if err := ValidatePIN(PINFromPrefix(prefix)); err != nil {
			t.Errorf("ValidatePIN(PINFromPrefix(%d)): %v", prefix, err)
		}
	}
}

func TestValidatePIN(t *testing.T) {
	tests := []struct {
		pin string
		ok  bool
	}{
		{"12345670", true},
		{"93248273", true},
		{"00000000", true},
		{"1234", true}, // 4-digit PINs have no checksum
		{"0000", true},
		{"12345678", false},
		{"1234567", false},
		{"123456700", false},
		{"", false},
		{"1234-5670", false},
		{"1234 567", false},
		{"12a45670", false},
		{"１２３４", false},
	}
	for _, tt := range tests {
		err := ValidatePIN(tt.pin)
		if tt.ok && err != nil {
			t.Errorf("ValidatePIN(%q) = %v, want nil", tt.pin, err)
		}
		if !tt.ok && !errors.Is(err, ErrInvalid) {
			t.Errorf("ValidatePIN(%q) = %v, want ErrInvalid", tt.pin, err)
		}
	}
}
