// Package coordinator decides who uses the radio: it arbitrates between the
// station connection and P2P users within the hardware's interface
// combinations and channels, under the configured policy, and releases what
// an application held when it leaves. It arrives with the daemon.
package coordinator
