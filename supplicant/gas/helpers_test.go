package gas

import (
	"encoding/hex"
	"strings"
	"testing"
)

// hx decodes hex written with optional spaces; test constants only.
func hx(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// cat concatenates byte slices.
func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func encode(t *testing.T, f Frame) []byte {
	t.Helper()
	b, err := f.Append(nil)
	if err != nil {
		t.Fatalf("Append(%+v): %v", f, err)
	}
	return b
}

func decode(t *testing.T, b []byte) Frame {
	t.Helper()
	f, err := DecodeGAS(b)
	if err != nil {
		t.Fatalf("DecodeGAS(% x): %v", b, err)
	}
	return f
}
