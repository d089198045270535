package p2p

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/internal/vectors"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio/simradio"
)

// acceptAll is an invitation policy that accepts every request and lets
// the core pick the channel and BSSID.
func acceptAll(InvitationRequest) InvitationDecision { return InvitationDecision{} }

// refuseWith answers every request with status st.
func refuseWith(st p2pmsg.Status) func(InvitationRequest) InvitationDecision {
	return func(InvitationRequest) InvitationDecision { return InvitationDecision{Status: uint8(st)} }
}

// invitationReceived waits for n's InvitationReceived notification.
func invitationReceived(t *testing.T, n *simNode, from int) InvitationReceived {
	t.Helper()
	note, ok := n.waitFrom(from, 5*time.Second, func(x Notification) bool { _, ok := x.(InvitationReceived); return ok })
	if !ok {
		t.Fatalf("%v reported no InvitationReceived", n)
	}
	return note.(InvitationReceived)
}

func TestSimInviteAsGOIsAcceptedByThePeersPolicy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSimNet(t, simradio.Options{})
		defer s.close()
		a := s.add("alpha", nil)
		b := s.addWithPolicy("bravo", nil, acceptAll)
		findEachOther(t, a, b)
		from := b.mark()
		res, err := a.dev.Invite(context.Background(), b.dev.Address(), InviteParams{
			Persistent: true, Role: p2pmsg.RoleGO, SSID: "DIRECT-ab", OperatingFreq: 2412,
		})
		if err != nil {
			t.Fatal(err)
		}
		chans := ownFreqs(testPhyInfo())
		if diff := cmp.Diff(InvitationResult{Peer: b.dev.Address(), Freq: 2412, Channels: chans}, res); diff != "" {
			t.Errorf("alpha's result (-want +got):\n%s", diff)
		}
		got := invitationReceived(t, b, from)
		want := InvitationReceived{
			Request: InvitationRequest{
				Peer: a.dev.Address(), Persistent: true, GODeviceAddress: a.dev.Address(), SSID: "DIRECT-ab",
				GroupBSSID: a.dev.InterfaceAddress(), OperatingFreq: 2412, Channels: chans,
			},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("bravo's notification (-want +got):\n%s", diff)
		}
	})
}

func TestSimInviteAsClientIsAcceptedByThePeerThatRunsTheGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSimNet(t, simradio.Options{})
		defer s.close()
		a := s.add("alpha", nil)
		b := s.addWithPolicy("bravo", nil, acceptAll)
		findEachOther(t, a, b)
		from := b.mark()
		res, err := a.dev.Invite(context.Background(), b.dev.Address(), InviteParams{
			Persistent: true, Role: p2pmsg.RoleClient, GODeviceAddress: b.dev.Address(), SSID: "DIRECT-xy",
		})
		if err != nil {
			t.Fatal(err)
		}
		chans := ownFreqs(testPhyInfo())
		// bravo runs the group on alpha's preferred channel (its Listen
		// Channel) with its interface address.
		want := InvitationResult{Peer: b.dev.Address(), Freq: 2437, GroupBSSID: b.dev.InterfaceAddress(), Channels: chans}
		if diff := cmp.Diff(want, res); diff != "" {
			t.Errorf("alpha's result (-want +got):\n%s", diff)
		}
		got := invitationReceived(t, b, from)
		wantNote := InvitationReceived{
			Request: InvitationRequest{
				Peer: a.dev.Address(), Persistent: true, GODeviceAddress: b.dev.Address(), SSID: "DIRECT-xy",
				OperatingFreq: 2437, Channels: chans,
			},
			Decision: InvitationDecision{Freq: 2437, GroupBSSID: b.dev.InterfaceAddress()},
		}
		if diff := cmp.Diff(wantNote, got); diff != "" {
			t.Errorf("bravo's notification (-want +got):\n%s", diff)
		}
	})
}

func TestSimInviteRefusedByThePeerFailsWithItsStatus(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy func(InvitationRequest) InvitationDecision
		want   error
		status p2pmsg.Status
	}{
		{"unknown group", refuseWith(p2pmsg.StatusFailUnknownP2PGroup), ErrUnknownGroup, p2pmsg.StatusFailUnknownP2PGroup},
		{"no policy", nil, ErrUnknownGroup, p2pmsg.StatusFailUnknownP2PGroup},
		{"rejected by user", refuseWith(p2pmsg.StatusFailRejectedByUser), ErrRejectedByUser, p2pmsg.StatusFailRejectedByUser},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSimNet(t, simradio.Options{})
				defer s.close()
				a := s.add("alpha", nil)
				b := s.addWithPolicy("bravo", nil, tc.policy)
				findEachOther(t, a, b)
				from := b.mark()
				_, err := a.dev.Invite(context.Background(), b.dev.Address(), InviteParams{
					Persistent: true, Role: p2pmsg.RoleGO, SSID: "DIRECT-ab",
				})
				if !errors.Is(err, tc.want) {
					t.Fatalf("error %v, want %v", err, tc.want)
				}
				var se *StatusError
				if !errors.As(err, &se) || se.Status != tc.status || !se.Remote {
					t.Errorf("error %#v", err)
				}
				if got := invitationReceived(t, b, from); got.Decision.Status != uint8(tc.status) {
					t.Errorf("bravo reported %+v", got)
				}
			})
		})
	}
}

func TestSimInviteOfAPeerThatIsGoneFailsWithNoResponse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSimNet(t, simradio.Options{})
		defer s.close()
		a := s.add("alpha", nil)
		b := s.add("bravo", nil)
		findEachOther(t, a, b)
		if err := s.m.RemovePhy(b.phy); err != nil {
			t.Fatal(err)
		}
		_, err := a.dev.Invite(context.Background(), b.dev.Address(), InviteParams{Role: p2pmsg.RoleGO, SSID: "DIRECT-ab"})
		if !errors.Is(err, ErrNoResponse) {
			t.Errorf("error %v", err)
		}
	})
}

func TestSimNegotiationReportsPersistentOnlyWhenBothAsk(t *testing.T) {
	for _, tc := range []struct {
		name        string
		pa, pb      bool
		wantPersist bool
	}{
		{"both ask", true, true, true},
		{"neither asks", false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSimNet(t, simradio.Options{})
				defer s.close()
				a := s.add("alpha", nil)
				b := s.add("bravo", nil)
				findEachOther(t, a, b)
				ctx := context.Background()
				from := b.mark()
				if err := b.dev.Authorize(ctx, a.dev.Address(), ConnectParams{Method: MethodPBC, GOIntent: new(0), Persistent: tc.pb}); err != nil {
					t.Fatal(err)
				}
				ra, err := a.dev.Connect(ctx, b.dev.Address(), ConnectParams{Method: MethodPBC, GOIntent: new(15), Persistent: tc.pa})
				if err != nil {
					t.Fatal(err)
				}
				n, ok := b.waitFrom(from, 5*time.Second, func(n Notification) bool { _, ok := n.(NegotiationSucceeded); return ok })
				if !ok {
					t.Fatal("bravo did not report success")
				}
				rb := n.(NegotiationSucceeded).Result
				if ra.Persistent != tc.wantPersist || rb.Persistent != tc.wantPersist {
					t.Errorf("persistent: alpha %v, bravo %v; want %v", ra.Persistent, rb.Persistent, tc.wantPersist)
				}
			})
		})
	}
}

func TestNegotiationFramesCarryPersistentGroupWithoutPersistentReconnect(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.GroupCapability = p2pmsg.GroupCapPersistentReconnect })
	h.knownPeer(peerAddr)
	_, _, pa := initiate(t, h, ConnectParams{Method: MethodPBC, Persistent: true})
	if g := pa.P2P.Capability.Group; g&p2pmsg.GroupCapPersistentGroup == 0 || g&p2pmsg.GroupCapPersistentReconnect != 0 {
		t.Errorf("group capability %#x", g)
	}
}

// Vectors: wpa_supplicant 2.10 re-invoking a persistent group
// (invitation.pcap, instance 0 the GO inviting instance 1).

var (
	wpasGO     = MAC{0x42, 0, 0, 0, 0, 0}    // instance 0, the GO
	wpasClient = MAC{0x42, 0, 0, 0, 0x01, 0} // instance 1
)

// capturedInvitation returns the Invitation Request and Response of
// invitation.pcap.
func capturedInvitation(t *testing.T) (req, resp *p2pmsg.PublicAction, reqFrame []byte, reqFreq int) {
	t.Helper()
	vectors.NamesOrSkip(t)
	frames, err := vectors.Load("invitation.pcap")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		m, err := ieee80211.DecodeMgmt(f.Data)
		if err != nil || m.Header.FrameControl.Subtype != ieee80211.SubtypeAction {
			continue
		}
		pa, err := p2pmsg.ParsePublicAction(m.Body)
		if err != nil {
			continue
		}
		switch {
		case pa.Subtype == p2pmsg.InvitationRequest && req == nil:
			req, reqFrame, reqFreq = pa, f.Data, f.Freq
		case pa.Subtype == p2pmsg.InvitationResponse && resp == nil:
			resp = pa
		}
	}
	if req == nil || resp == nil {
		t.Fatal("no Invitation Request and Response in invitation.pcap")
	}
	return req, resp, reqFrame, reqFreq
}

func attrOrder(a *p2pmsg.Attributes) []p2pmsg.AttributeID {
	b, err := a.Append(nil)
	if err != nil {
		panic(err)
	}
	parsed, err := p2pmsg.ParseAttributes(b)
	if err != nil {
		panic(err)
	}
	return parsed.Order
}

func TestCapturedInvitationRequestOfWpaSupplicantIsAcceptedWithTheAttributesItNeeds(t *testing.T) {
	wreq, wresp, frame, freq := capturedInvitation(t)
	var asked []InvitationRequest
	h := newHarnessAt(t, wpasClient, nil)
	h.policy = func(r InvitationRequest) InvitationDecision {
		asked = append(asked, r)
		return InvitationDecision{}
	}
	h.listen()
	h.rx(frame, freq)
	acts := h.take()
	var sent []actSendFrame
	for _, a := range acts {
		if s, ok := a.(actSendFrame); ok {
			sent = append(sent, s)
		}
	}
	resps := findSent(t, sent, p2pmsg.InvitationResponse)
	if len(resps) != 1 {
		t.Fatalf("%d Invitation Responses sent", len(resps))
	}
	if resps[0].tx.Freq != freq {
		t.Errorf("answered on %d MHz, request came on %d", resps[0].tx.Freq, freq)
	}
	hdr, pa := parseAction(t, resps[0].tx.Frame)
	if hdr.DA() != wpasGO || hdr.SA() != wpasClient {
		t.Errorf("response %v -> %v", hdr.SA(), hdr.DA())
	}
	if pa.DialogToken != wreq.DialogToken {
		t.Errorf("dialog token %d, want %d", pa.DialogToken, wreq.DialogToken)
	}
	if err := p2pmsg.ValidateInvitationResponse(pa); err != nil {
		t.Fatal(err)
	}
	if *pa.P2P.Status != p2pmsg.StatusSuccess {
		t.Errorf("status %v", *pa.P2P.Status)
	}
	// wpa_supplicant's own answer (instance 1, the client) carries the
	// same attributes, in the same order.
	if diff := cmp.Diff(attrOrder(wresp.P2P), attrOrder(pa.P2P)); diff != "" {
		t.Errorf("attributes (-wpa_supplicant +ours):\n%s", diff)
	}
	if got := freqOfChannelAttr(pa.P2P.OperatingChannel); got != 2437 {
		t.Errorf("operating channel %d MHz", got)
	}
	if len(asked) != 1 {
		t.Fatalf("policy asked %d times", len(asked))
	}
	wantReq := InvitationRequest{
		Peer: wpasGO, Persistent: true, GODeviceAddress: wpasGO, SSID: "DIRECT-cb",
		GroupBSSID: MAC{0x46, 0, 0, 0, 0, 0}, OperatingFreq: 2437,
		Channels: intersect(ownFreqs(testPhyInfo()), listFreqs(wreq.P2P.ChannelList)),
	}
	if diff := cmp.Diff(wantReq, asked[0]); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	n, ok := hasNote[InvitationReceived](notes(acts))
	if !ok || n.Decision.Status != 0 || n.Request.SSID != "DIRECT-cb" {
		t.Errorf("notification %+v", n)
	}
}

func TestOurInvitationRequestHasTheAttributesOfWpaSupplicants(t *testing.T) {
	wreq, wresp, _, _ := capturedInvitation(t)
	h := newHarnessAt(t, wpasGO, nil)
	h.knownPeer(wpasClient)
	id := h.command(cmdInvite{peer: wpasClient, params: InviteParams{
		Persistent: true, Role: p2pmsg.RoleGO, SSID: "DIRECT-cb", GroupBSSID: *wreq.P2P.GroupBSSID, OperatingFreq: 2437,
	}})
	reqs := findSent(t, h.sent(), p2pmsg.InvitationRequest)
	if len(reqs) != 1 {
		t.Fatalf("%d Invitation Requests sent", len(reqs))
	}
	if reqs[0].tx.Freq != 2437 {
		t.Errorf("sent on %d MHz", reqs[0].tx.Freq)
	}
	_, pa := parseAction(t, reqs[0].tx.Frame)
	if err := p2pmsg.ValidateInvitationRequest(pa); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(attrOrder(wreq.P2P), attrOrder(pa.P2P)); diff != "" {
		t.Errorf("attributes (-wpa_supplicant +ours):\n%s", diff)
	}
	for _, c := range []struct {
		name      string
		want, got any
	}{
		{"invitation flags", *wreq.P2P.InvitationFlags, *pa.P2P.InvitationFlags},
		{"configuration timeout", *wreq.P2P.ConfigurationTimeout, *pa.P2P.ConfigurationTimeout},
		{"group ID", *wreq.P2P.GroupID, *pa.P2P.GroupID},
		{"group BSSID", *wreq.P2P.GroupBSSID, *pa.P2P.GroupBSSID},
		{"operating channel", *wreq.P2P.OperatingChannel, *pa.P2P.OperatingChannel},
	} {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s (-wpa_supplicant +ours):\n%s", c.name, diff)
		}
	}
	// wpa_supplicant's answer (with our dialog token) completes the
	// Invite.
	h.txStatus(reqs[0], true)
	wresp.DialogToken = pa.DialogToken
	body, err := wresp.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	h.rx(mgmtFrame(ieee80211.SubtypeAction, wpasGO, wpasClient, wpasClient, body), 2437)
	rs := replies(h.take())
	if len(rs) != 1 || rs[0].id != id || rs[0].err != nil {
		t.Fatalf("replies %+v", rs)
	}
	res := rs[0].val.(InvitationResult)
	if res.Freq != 2437 || res.Peer != wpasClient || len(res.Channels) == 0 {
		t.Errorf("result %+v", res)
	}
}

func TestInvitationRequestWithoutCommonChannelGetsStatus7WithoutAskingThePolicy(t *testing.T) {
	h := newHarness(t, nil)
	h.policy = func(InvitationRequest) InvitationDecision {
		t.Error("policy asked")
		return InvitationDecision{}
	}
	h.listen()
	peer := peerIdentity(peerAddr, nil)
	frame, err := peer.invitationRequest(ourAddr, 9, InviteParams{Persistent: true, Role: p2pmsg.RoleGO, GODeviceAddress: peerAddr, SSID: "DIRECT-zz"}, 2437, 2437, []int{2437})
	if err != nil {
		t.Fatal(err)
	}
	// The peer offers channel 52 (DFS, operating class 118) only.
	_, pa := parseAction(t, frame)
	pa.P2P.ChannelList = &p2pmsg.ChannelList{Country: peer.cfg.Country, Entries: []p2pmsg.ChannelEntry{{OperatingClass: 118, Channels: []uint8{52}}}}
	body, err := pa.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	frame = mgmtFrame(ieee80211.SubtypeAction, ourAddr, peerAddr, ourAddr, body)
	h.rx(frame, 2437)
	acts := h.take()
	var sent []actSendFrame
	for _, a := range acts {
		if s, ok := a.(actSendFrame); ok {
			sent = append(sent, s)
		}
	}
	resps := findSent(t, sent, p2pmsg.InvitationResponse)
	if len(resps) != 1 {
		t.Fatalf("%d responses", len(resps))
	}
	_, pa = parseAction(t, resps[0].tx.Frame)
	if *pa.P2P.Status != p2pmsg.StatusFailNoCommonChannels || pa.DialogToken != 9 {
		t.Errorf("status %v token %d", *pa.P2P.Status, pa.DialogToken)
	}
	if n, ok := hasNote[InvitationReceived](notes(acts)); !ok || n.Decision.Status != 7 {
		t.Errorf("notification %+v", n)
	}
}

func TestInvitationRequestWithoutGroupIDGetsStatus4(t *testing.T) {
	h := newHarness(t, nil)
	h.listen()
	peer := peerIdentity(peerAddr, nil)
	flags := p2pmsg.InvitationTypeReinvoke
	a := &p2pmsg.Attributes{
		ConfigurationTimeout: configTimeout, InvitationFlags: &flags,
		ChannelList: channelListAttr(peer.cfg.Country, []int{2437}), DeviceInfo: peer.deviceInfo(),
	}
	frame, err := publicAction(p2pmsg.InvitationRequest, 4, a, nil, ourAddr, peerAddr, ourAddr)
	if err != nil {
		t.Fatal(err)
	}
	h.rx(frame, 2437)
	resps := findSent(t, h.sent(), p2pmsg.InvitationResponse)
	if len(resps) != 1 {
		t.Fatalf("%d responses", len(resps))
	}
	if _, pa := parseAction(t, resps[0].tx.Frame); *pa.P2P.Status != p2pmsg.StatusFailInvalidParameters {
		t.Errorf("status %v", *pa.P2P.Status)
	}
}

func TestInvitationRequestRetransmissionIsAnsweredAgainWithoutNewNotification(t *testing.T) {
	h := newHarness(t, nil)
	asked := 0
	h.policy = func(InvitationRequest) InvitationDecision { asked++; return InvitationDecision{} }
	h.listen()
	peer := peerIdentity(peerAddr, nil)
	frame, err := peer.invitationRequest(ourAddr, 5, InviteParams{Persistent: true, Role: p2pmsg.RoleClient, GODeviceAddress: ourAddr, SSID: "DIRECT-zz"}, 0, 2437, ownFreqs(testPhyInfo()))
	if err != nil {
		t.Fatal(err)
	}
	h.rx(frame, 2437)
	first := h.take()
	h.advance(100 * time.Millisecond)
	h.take()
	h.rx(frame, 2437)
	second := h.take()
	if asked != 1 {
		t.Errorf("policy asked %d times", asked)
	}
	if _, ok := hasNote[InvitationReceived](notes(second)); ok {
		t.Error("retransmission notified again")
	}
	var a, b []actSendFrame
	for _, x := range first {
		if s, ok := x.(actSendFrame); ok {
			a = append(a, s)
		}
	}
	for _, x := range second {
		if s, ok := x.(actSendFrame); ok {
			b = append(b, s)
		}
	}
	ra, rb := findSent(t, a, p2pmsg.InvitationResponse), findSent(t, b, p2pmsg.InvitationResponse)
	if len(ra) != 1 || len(rb) != 1 {
		t.Fatalf("responses %d, %d", len(ra), len(rb))
	}
	if diff := cmp.Diff(ra[0].tx.Frame, rb[0].tx.Frame); diff != "" {
		t.Errorf("second answer differs:\n%s", diff)
	}
	// We are GO: the answer carries our operating channel and BSSID.
	_, pa := parseAction(t, ra[0].tx.Frame)
	if pa.P2P.GroupBSSID == nil || *pa.P2P.GroupBSSID != h.c.id.ifAddr || freqOfChannelAttr(pa.P2P.OperatingChannel) != 2437 {
		t.Errorf("response attributes %v", pa.P2P.Order)
	}
}

func TestInviteWithInvalidParametersFailsAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    InviteParams
		want error
	}{
		{"no SSID", InviteParams{Role: p2pmsg.RoleGO}, ErrInvalidParams},
		{"SSID longer than 32", InviteParams{Role: p2pmsg.RoleGO, SSID: "DIRECT-0123456789012345678901234567"}, ErrInvalidParams},
		{"no role", InviteParams{SSID: "DIRECT-ab"}, ErrInvalidParams},
		{"client without GO address", InviteParams{Role: p2pmsg.RoleClient, SSID: "DIRECT-ab"}, ErrInvalidParams},
		{"GO on a channel we lack", InviteParams{Role: p2pmsg.RoleGO, SSID: "DIRECT-ab", OperatingFreq: 2484}, ErrNoCommonChannel},
		{"unknown peer", InviteParams{Role: p2pmsg.RoleGO, SSID: "DIRECT-ab"}, ErrUnknownPeer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			id := h.command(cmdInvite{peer: peerAddr, params: tc.p})
			rs := replies(h.take())
			if len(rs) != 1 || rs[0].id != id || !errors.Is(rs[0].err, tc.want) {
				t.Errorf("replies %+v, want %v", rs, tc.want)
			}
		})
	}
}

func TestSecondInviteIsBusyWhileOtherProceduresStillStart(t *testing.T) {
	h := newHarness(t, nil)
	h.knownPeer(peerAddr)
	p := InviteParams{Role: p2pmsg.RoleGO, SSID: "DIRECT-ab"}
	first := h.command(cmdInvite{peer: peerAddr, params: p})
	if rs := replies(h.take()); len(rs) != 0 {
		t.Fatalf("first Invite replied at once: %+v", rs)
	}
	second := h.command(cmdInvite{peer: peerAddr, params: p})
	if rs := replies(h.take()); len(rs) != 1 || rs[0].id != second || !errors.Is(rs[0].err, ErrBusy) {
		t.Errorf("second Invite: %+v", rs)
	}
	h.command(cmdProvision{peer: peerAddr, method: MethodPBC})
	h.command(cmdConnect{peer: peerAddr, params: ConnectParams{Method: MethodPBC}})
	if rs := replies(h.take()); len(rs) != 0 {
		t.Errorf("Provision Discovery or Connect refused: %+v", rs)
	}
	h.command(cmdCancel{id: first})
	rs := replies(h.take())
	if len(rs) != 2 || rs[0].id != first || !errors.Is(rs[0].err, ErrCanceled) {
		t.Errorf("cancel: %+v", rs)
	}
	if h.c.inv != nil {
		t.Error("Invitation still running")
	}
}
