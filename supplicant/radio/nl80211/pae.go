package nl80211

import (
	"context"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// paeConn is an open PAE socket.
type paeConn interface {
	send(ctx context.Context, dst ieee80211.MAC, pdu []byte) error
	close()
}

// paeOpener opens PAE sockets on a netdev; deliver gets each received PDU.
type paeOpener interface {
	open(ifindex int, deliver func(src ieee80211.MAC, pdu []byte)) (paeConn, error)
}

// realPAE opens AF_PACKET sockets (SOCK_DGRAM, ETH_P_PAE) in the Backend's
// namespace: the EAPOL path when the nl80211 control port is unavailable.
type realPAE struct{ netns int }

// htons puts a 16-bit protocol number in network order, as AF_PACKET wants.
func htons(v uint16) uint16 { return v<<8 | v>>8 }

func (r realPAE) open(ifindex int, deliver func(src ieee80211.MAC, pdu []byte)) (paeConn, error) {
	var fd int
	err := inNetNS(r.netns, func() error {
		var err error
		fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_PAE)))
		return err
	})
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_PAE), Ifindex: ifindex}); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("bind", err)
	}
	f := os.NewFile(uintptr(fd), "pae")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	s := &paeSocket{f: f, rc: rc, ifindex: ifindex, done: make(chan struct{})}
	go s.read(deliver)
	return s, nil
}

// paeSocket is one AF_PACKET socket and its reader goroutine.
type paeSocket struct {
	f       *os.File
	rc      syscall.RawConn
	ifindex int
	once    sync.Once
	done    chan struct{}
}

func (s *paeSocket) read(deliver func(src ieee80211.MAC, pdu []byte)) {
	defer close(s.done)
	buf := make([]byte, 4096)
	for {
		var n int
		var from unix.Sockaddr
		var rerr error
		err := s.rc.Read(func(fd uintptr) bool {
			n, from, rerr = unix.Recvfrom(int(fd), buf, unix.MSG_DONTWAIT)
			return rerr != unix.EAGAIN
		})
		if err != nil {
			return // closed
		}
		if rerr != nil {
			if rerr == unix.EINTR || rerr == unix.ENETDOWN {
				continue
			}
			return
		}
		ll, ok := from.(*unix.SockaddrLinklayer)
		if !ok || ll.Halen != 6 || ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		var src ieee80211.MAC
		copy(src[:], ll.Addr[:6])
		deliver(src, append([]byte(nil), buf[:n]...))
	}
}

func (s *paeSocket) send(ctx context.Context, dst ieee80211.MAC, pdu []byte) error {
	sa := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_PAE), Ifindex: s.ifindex, Halen: 6}
	copy(sa.Addr[:], dst[:])
	if dl, ok := ctx.Deadline(); ok {
		_ = s.f.SetWriteDeadline(dl)
	} else {
		_ = s.f.SetWriteDeadline(time.Time{})
	}
	var werr error
	err := s.rc.Write(func(fd uintptr) bool {
		werr = unix.Sendto(int(fd), pdu, 0, sa)
		return werr != unix.EAGAIN
	})
	if err != nil {
		return err
	}
	if werr != nil {
		return os.NewSyscallError("sendto", werr)
	}
	return nil
}

func (s *paeSocket) close() {
	s.once.Do(func() {
		s.f.Close()
		<-s.done
	})
}

// inNetNS runs fn on an OS thread that has entered the network namespace
// nsfd (0: the caller's namespace, fn runs directly), for sockets whose
// namespace is fixed at creation. A thread that cannot return to its
// namespace is left locked, so the runtime discards it.
func inNetNS(nsfd int, fn func() error) error {
	if nsfd == 0 {
		return fn()
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer unix.Close(orig)
		if err := unix.Setns(nsfd, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		ferr := fn()
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}
