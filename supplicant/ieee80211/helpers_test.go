package ieee80211

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// equateEmpty makes nil and empty slices compare equal: decoders return
// nil for absent lists, tables spell them either way.
var equateEmpty = cmpopts.EquateEmpty()

// unhex decodes hex written with optional spaces and newlines.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex in test table: %v", err)
	}
	return b
}

// readTestdata reads a file under testdata/.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// splitFramed splits the hostap ap-mgmt fuzzer format: each frame is
// preceded by its length as 2 big-endian octets.
func splitFramed(b []byte) ([][]byte, error) {
	var frames [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			return frames, fmt.Errorf("dangling octet")
		}
		n := int(binary.BigEndian.Uint16(b))
		if n > len(b)-2 {
			return frames, fmt.Errorf("frame of %d octets overruns the %d left", n, len(b)-2)
		}
		frames = append(frames, b[2:2+n])
		b = b[2+n:]
	}
	return frames, nil
}

// hostapFrames returns every whole management frame of the hostap corpus
// copies: the ap-mgmt sequences and the P2P Public Action frames.
func hostapFrames(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range []string{"multi.dat", "multi-sae.dat", "multi-sae-ffc.dat"} {
		frames, err := splitFramed(readTestdata(t, "hostap/ap-mgmt/"+f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i, fr := range frames {
			out[fmt.Sprintf("ap-mgmt/%s#%d", f, i)] = fr
		}
	}
	for _, f := range []string{"go-neg-req.dat", "invitation-req.dat", "p2ps-pd-req.dat"} {
		out["p2p/"+f] = readTestdata(t, "hostap/p2p/"+f)
	}
	return out
}

// mustRoundTripBody re-encodes a decoded body and compares it with the
// bytes it came from.
func mustRoundTripBody(t *testing.T, body Body, want []byte) {
	t.Helper()
	got, err := body.Append(nil)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if diff := cmp.Diff(want, got, equateEmpty); diff != "" {
		t.Errorf("re-encoded body differs (-want +got):\n%s", diff)
	}
}
