package coordinator

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/p2pmanager/p2pmanager/api"
)

func TestPersistentGroupsSurviveARestartInAFileOnlyTheOwnerReads(t *testing.T) {
	dir := t.TempDir()
	s, err := openPersistentStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	peer := api.MAC{0x42, 0, 0, 0, 1, 0}
	g := persistentGroup{Device: "phy0", Peer: peer, GO: peer, SSID: "DIRECT-ab", PSK: "00112233", Freq: 2437}
	if err := s.save(g); err != nil {
		t.Fatal(err)
	}
	newer := g
	newer.SSID = "DIRECT-cd"
	if err := s.save(newer); err != nil { // a new group with the peer replaces the old one
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, persistentFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	again, err := openPersistentStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := again.lookup("phy0", peer)
	if !ok {
		t.Fatal("the group is gone after reopening")
	}
	if diff := cmp.Diff(newer, got); diff != "" {
		t.Errorf("reloaded group (-want +got):\n%s", diff)
	}
	if _, ok := again.match("phy0", peer, peer, "DIRECT-ab"); ok {
		t.Error("the replaced group still matches")
	}
	if err := again.forget("phy0", peer); err != nil {
		t.Fatal(err)
	}
	if _, ok := again.lookup("phy0", peer); ok {
		t.Error("forgotten group still there")
	}
}

func TestACorruptPersistentGroupFileIsAnError(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, persistentFile), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := openPersistentStore(dir); err == nil {
		t.Error("a corrupt file was accepted")
	}
}
