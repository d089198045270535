package nl80211

import (
	"os"
	"testing"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
)

// FuzzKernelMessages feeds arbitrary datagrams to every decoder of kernel
// messages (datagram splitting, acks, wiphy dumps, scan results, events):
// none may panic, and a decoded datagram's messages are within its bounds.
// There are no encoders of these kernel messages to round-trip against.
func FuzzKernelMessages(f *testing.F) {
	for _, name := range []string{"wiphy-hwsim.nlmsgs", "scan-hwsim.nlmsgs"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		if len(b) > 2000 {
			f.Add(b[:2000])
		}
	}
	f.Add([]byte{20, 0, 0, 0, 2, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0xea, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		msgs, _ := splitMessages(b)
		total := 0
		var gms []genetlink.Message
		for _, m := range msgs {
			total += 16 + len(m.Data)
			_ = parseAck(m)
			_, _ = ackCookie(m)
			var gm genetlink.Message
			if gm.UnmarshalBinary(m.Data) == nil {
				gms = append(gms, gm)
				_, _ = parseEvent(gm)
				_, _, _ = parseBSS(gm.Data, time.Time{})
				_, _ = parseNewInterface([]genetlink.Message{gm})
				_, _ = replyCookie("FUZZ", []genetlink.Message{gm})
			}
		}
		if total > len(b) {
			t.Fatalf("messages of %d octets from a datagram of %d", total, len(b))
		}
		_, _ = parseWiphyDump(gms)
		// The raw input as a message's attributes, too.
		raw := genetlink.Message{Data: b}
		_, _ = parseEvent(raw)
		_, _ = parseWiphyDump([]genetlink.Message{raw})
		_ = parseAck(netlink.Message{Header: netlink.Header{Type: netlink.Error, Flags: 0x300}, Data: b})
		_, _ = ackCookie(netlink.Message{Header: netlink.Header{Type: netlink.Error, Flags: 0x300}, Data: b})
		_, _ = ackCookie(netlink.Message{Header: netlink.Header{Type: netlink.Error, Flags: 0x200}, Data: b})
	})
}
