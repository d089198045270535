package nl80211

import (
	"bytes"
	"os"
	"testing"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
)

// Recorded kernel replies (testdata/*.nlmsgs) are netlink messages as the
// kernel sends them: nlmsghdr, genlmsghdr, attributes, one after another.

// encodeRecording serialises replies for a testdata file.
func encodeRecording(t *testing.T, family uint16, msgs []genetlink.Message) []byte {
	t.Helper()
	var out bytes.Buffer
	for _, m := range msgs {
		data, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		nm := netlink.Message{
			Header: netlink.Header{Length: uint32(16 + align4(len(data))), Type: netlink.HeaderType(family), Flags: netlink.Multi},
			Data:   data,
		}
		b, err := nm.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		out.Write(b)
	}
	return out.Bytes()
}

// loadRecording reads a testdata file of recorded replies.
func loadRecording(t *testing.T, name string) []genetlink.Message {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	nms, err := splitMessages(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	msgs := make([]genetlink.Message, 0, len(nms))
	for _, nm := range nms {
		var gm genetlink.Message
		if err := gm.UnmarshalBinary(nm.Data); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		msgs = append(msgs, gm)
	}
	return msgs
}

// record writes a testdata file when NL80211_RECORD=1 (in the VM, whose
// current directory is this package's).
func record(t *testing.T, name string, family uint16, msgs []genetlink.Message) {
	t.Helper()
	if os.Getenv("NL80211_RECORD") != "1" {
		return
	}
	if err := os.WriteFile("testdata/"+name, encodeRecording(t, family, msgs), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d messages into testdata/%s", len(msgs), name)
}
