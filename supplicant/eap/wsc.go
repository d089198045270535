package eap

import (
	"encoding/binary"
	"fmt"
)

// OpCode is the EAP-WSC Op-Code (WSC 2.0.x, EAP-WSC framing; hostap enum
// wsc_op_code).
type OpCode uint8

// EAP-WSC Op-Codes.
const (
	OpStart   OpCode = 0x01 // WSC_Start
	OpACK     OpCode = 0x02 // WSC_ACK
	OpNACK    OpCode = 0x03 // WSC_NACK
	OpMsg     OpCode = 0x04 // WSC_MSG
	OpDone    OpCode = 0x05 // WSC_Done
	OpFragACK OpCode = 0x06 // WSC_FRAG_ACK
)

// String returns the specification's name of the Op-Code.
func (o OpCode) String() string {
	switch o {
	case OpStart:
		return "WSC_Start"
	case OpACK:
		return "WSC_ACK"
	case OpNACK:
		return "WSC_NACK"
	case OpMsg:
		return "WSC_MSG"
	case OpDone:
		return "WSC_Done"
	case OpFragACK:
		return "WSC_FRAG_ACK"
	}
	return fmt.Sprintf("op-code %d", uint8(o))
}

func (o OpCode) valid() bool { return o >= OpStart && o <= OpFragACK }

// Flags is the EAP-WSC Flags octet. Bits other than MF and LF are kept as
// received.
type Flags uint8

// EAP-WSC flags.
const (
	FlagMF Flags = 0x01 // More Fragments
	FlagLF Flags = 0x02 // Length Field: a Message Length follows the Flags
)

// Sizes and limits of EAP-WSC framing.
const (
	// FragmentSize is the largest EAP-WSC frame hostap sends (Op-Code,
	// Flags, Message Length and data: WSC_FRAGMENT_SIZE).
	FragmentSize = 1400
	// DefaultMaxMessageLen is the largest reassembled WSC message accepted
	// by default: hostap's limit on the announced Message Length.
	DefaultMaxMessageLen = 50000
	wscHeaderLen         = 2 // Op-Code, Flags
	messageLengthLen     = 2
)

// WSCFrame is the type data of an EAP-WSC packet (after the Expanded Type
// header): Op-Code, Flags, the Message Length when FlagLF is set (the
// length of the whole WSC message), then a WSC message or a fragment of one.
type WSCFrame struct {
	OpCode        OpCode
	Flags         Flags
	MessageLength uint16 // meaningful only when Flags has FlagLF
	Data          []byte
}

// DecodeWSC decodes EAP-WSC type data. It rejects unknown Op-Codes, a
// missing Message Length when FlagLF is set, and a Message Length smaller
// than the data of this very frame.
func DecodeWSC(b []byte) (WSCFrame, error) {
	if len(b) < wscHeaderLen {
		return WSCFrame{}, fmt.Errorf("%w: EAP-WSC header of %d of 2 octets", ErrTruncated, len(b))
	}
	f := WSCFrame{OpCode: OpCode(b[0]), Flags: Flags(b[1])}
	if !f.OpCode.valid() {
		return WSCFrame{}, fmt.Errorf("%w: EAP-WSC %v", ErrInvalid, f.OpCode)
	}
	rest := b[wscHeaderLen:]
	if f.Flags&FlagLF != 0 {
		if len(rest) < messageLengthLen {
			return WSCFrame{}, fmt.Errorf("%w: EAP-WSC Message Length of %d of 2 octets", ErrTruncated, len(rest))
		}
		f.MessageLength = binary.BigEndian.Uint16(rest)
		rest = rest[messageLengthLen:]
		if int(f.MessageLength) < len(rest) {
			return WSCFrame{}, fmt.Errorf("%w: EAP-WSC Message Length %d below the %d octets of this fragment", ErrInvalid, f.MessageLength, len(rest))
		}
	}
	f.Data = rest
	return f, nil
}

// Len returns the encoded length of the frame.
func (f WSCFrame) Len() int {
	n := wscHeaderLen + len(f.Data)
	if f.Flags&FlagLF != 0 {
		n += messageLengthLen
	}
	return n
}

// Append appends the encoded frame to b, with the same checks as DecodeWSC.
func (f WSCFrame) Append(b []byte) ([]byte, error) {
	if !f.OpCode.valid() {
		return b, fmt.Errorf("%w: EAP-WSC %v", ErrInvalid, f.OpCode)
	}
	b = append(b, byte(f.OpCode), byte(f.Flags))
	if f.Flags&FlagLF != 0 {
		if int(f.MessageLength) < len(f.Data) {
			return b, fmt.Errorf("%w: EAP-WSC Message Length %d below the %d octets of this fragment", ErrInvalid, f.MessageLength, len(f.Data))
		}
		b = binary.BigEndian.AppendUint16(b, f.MessageLength)
	}
	return append(b, f.Data...), nil
}

// Reassembler collects the fragments of one EAP-WSC message at a time
// (WSC 2.0.x EAP-WSC fragmentation; hostap eap_wsc_process_fragment and
// eap_wsc_process_cont). The zero value is ready to use with
// DefaultMaxMessageLen. It does not answer fragments: the caller sends a
// WSC_FRAG_ACK for every frame that leaves the message incomplete.
type Reassembler struct {
	// Max is the largest message accepted, in octets; 0 means
	// DefaultMaxMessageLen. A first fragment announcing more is rejected,
	// as is any fragment that would take the message past it.
	Max int

	active bool
	op     OpCode
	total  int
	buf    []byte
}

// InProgress reports whether a fragmented message is partly received.
func (r *Reassembler) InProgress() bool { return r.active }

// Reset drops any partly received message.
func (r *Reassembler) Reset() {
	r.active, r.op, r.total, r.buf = false, 0, 0, nil
}

func (r *Reassembler) limit() int {
	if r.Max <= 0 {
		return DefaultMaxMessageLen
	}
	return min(r.Max, 0xffff)
}

// Add feeds the next EAP-WSC frame received. When the frame completes a
// message (an unfragmented frame does so at once) it returns done with the
// message's Op-Code and octets; while more fragments are expected it
// returns done false.
//
// It fails, dropping any partial message, on: a WSC_FRAG_ACK (it carries no
// message data); a first fragment with More Fragments but no Message
// Length; a Message Length above the limit; more octets than announced; a
// change of Op-Code within a message; a later Message Length that differs
// from the first; a last fragment that leaves the message short; or a
// message above the limit.
func (r *Reassembler) Add(f WSCFrame) (op OpCode, msg []byte, done bool, err error) {
	op, msg, done, err = r.add(f)
	if err != nil {
		r.Reset()
	}
	return op, msg, done, err
}

func (r *Reassembler) add(f WSCFrame) (OpCode, []byte, bool, error) {
	if !f.OpCode.valid() || f.OpCode == OpFragACK {
		return 0, nil, false, fmt.Errorf("%w: %v carries no message data", ErrInvalid, f.OpCode)
	}
	lf, mf := f.Flags&FlagLF != 0, f.Flags&FlagMF != 0
	limit := r.limit()
	if !r.active {
		total := len(f.Data)
		if lf {
			total = int(f.MessageLength)
			if len(f.Data) > total {
				return 0, nil, false, fmt.Errorf("%w: fragment of %d octets, Message Length %d", ErrTooLong, len(f.Data), total)
			}
		}
		if total > limit {
			return 0, nil, false, fmt.Errorf("%w: message of %d octets exceeds the limit of %d", ErrTooLong, total, limit)
		}
		if !mf {
			if len(f.Data) != total {
				return 0, nil, false, fmt.Errorf("%w: unfragmented message of %d octets, Message Length %d", ErrTruncated, len(f.Data), total)
			}
			return f.OpCode, f.Data, true, nil
		}
		if !lf {
			return 0, nil, false, fmt.Errorf("%w: first fragment without Message Length", ErrInvalid)
		}
		r.active, r.op, r.total = true, f.OpCode, total
		r.buf = append([]byte(nil), f.Data...)
		return 0, nil, false, nil
	}
	if f.OpCode != r.op {
		return 0, nil, false, fmt.Errorf("%w: %v fragment inside a %v message", ErrInvalid, f.OpCode, r.op)
	}
	if lf && int(f.MessageLength) != r.total {
		return 0, nil, false, fmt.Errorf("%w: Message Length changed from %d to %d", ErrInvalid, r.total, f.MessageLength)
	}
	if len(f.Data) > r.total-len(r.buf) {
		return 0, nil, false, fmt.Errorf("%w: %d more octets after %d of an announced %d", ErrTooLong, len(f.Data), len(r.buf), r.total)
	}
	r.buf = append(r.buf, f.Data...)
	if mf {
		return 0, nil, false, nil
	}
	if len(r.buf) != r.total {
		return 0, nil, false, fmt.Errorf("%w: last fragment leaves %d of %d octets", ErrTruncated, len(r.buf), r.total)
	}
	op, msg := r.op, r.buf
	r.Reset()
	return op, msg, true, nil
}

// Fragment splits a WSC message into EAP-WSC frames whose encoded size
// (Op-Code, Flags, Message Length and data) is at most size octets; 0 means
// FragmentSize (1400). As hostap's eap_wsc_build_msg does, a message that
// fits is sent whole with no flags; otherwise the first frame has LF and MF
// and announces the message length, and every later frame but the last has
// MF. Frames alias msg. It fails for size below 5 or a message over 65535
// octets.
func Fragment(op OpCode, msg []byte, size int) ([]WSCFrame, error) {
	if size == 0 {
		size = FragmentSize
	}
	if !op.valid() {
		return nil, fmt.Errorf("%w: EAP-WSC %v", ErrInvalid, op)
	}
	if size < wscHeaderLen+messageLengthLen+1 {
		return nil, fmt.Errorf("%w: fragment size %d below 5", ErrInvalid, size)
	}
	if len(msg) > 0xffff {
		return nil, fmt.Errorf("%w: message of %d octets exceeds 65535", ErrTooLong, len(msg))
	}
	if wscHeaderLen+len(msg) <= size {
		return []WSCFrame{{OpCode: op, Data: msg}}, nil
	}
	first := size - wscHeaderLen - messageLengthLen
	frames := make([]WSCFrame, 0, 1+(len(msg)-first+size-wscHeaderLen-1)/(size-wscHeaderLen))
	frames = append(frames, WSCFrame{OpCode: op, Flags: FlagLF | FlagMF, MessageLength: uint16(len(msg)), Data: msg[:first:first]})
	for rest := msg[first:]; len(rest) > 0; {
		n := min(len(rest), size-wscHeaderLen)
		f := WSCFrame{OpCode: op, Data: rest[:n:n]}
		rest = rest[n:]
		if len(rest) > 0 {
			f.Flags = FlagMF
		}
		frames = append(frames, f)
	}
	return frames, nil
}
