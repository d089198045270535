package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runTool(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestDecodeShowsAWholeGroupFormationInOrder(t *testing.T) {
	out, stderr, code := runTool(t, "decode")
	if code != 0 {
		t.Fatalf("decode exited %d: %s", code, stderr)
	}
	want := []string{
		"P2P GO Negotiation Request", "P2P GO Negotiation Response", "P2P GO Negotiation Confirmation",
		`Beacon      `, `SSID "DIRECT-`, "Auth ", "AssocResp", `"WFA-SimpleConfig-Enrollee-1-0"`,
		"WSC_MSG M1", "WSC_MSG M2", "WSC_MSG M3", "WSC_MSG M4", "WSC_MSG M5", "WSC_MSG M6", "WSC_MSG M7", "WSC_MSG M8",
		"WSC_Done", "EAP Failure", "Key 1/4", "Key 2/4", "Key 3/4", "Key 4/4",
	}
	rest := out
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("output lacks %q after the earlier steps; output:\n%s", w, out)
		}
		rest = rest[i+len(w):]
	}
}

func TestDecodeReadsEveryEmbeddedCaptureWithoutErrors(t *testing.T) {
	list, _, code := runTool(t, "decode", "-list")
	names := strings.Fields(list)
	if code != 0 || len(names) < 5 {
		t.Fatalf("decode -list exited %d with %q", code, list)
	}
	for _, name := range names {
		out, stderr, code := runTool(t, "decode", "-all", name)
		if code != 0 {
			t.Errorf("decode %s exited %d: %s", name, code, stderr)
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, ": error:") {
				t.Errorf("%s: %s", name, line)
			}
		}
	}
}

func TestDecodeReportsAFileThatIsNotAPcap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.pcap")
	if err := os.WriteFile(path, []byte("not a capture"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runTool(t, "decode", path)
	if code != 1 || !strings.Contains(stderr, "pcap") {
		t.Errorf("decode of a bad file: exit %d, stderr %q; want 1 and a pcap error", code, stderr)
	}
}

func TestUnknownCommandsAreUsageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"decode", "-nosuchflag"}} {
		if _, _, code := runTool(t, args...); code != 2 {
			t.Errorf("p2pmanager %v exited %d, want 2", args, code)
		}
	}
}
