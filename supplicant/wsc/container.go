package wsc

import (
	"encoding/binary"
	"fmt"
)

// Wire is embedded in every container (message, WSC IE content, Encrypted
// Settings content, Credential). It keeps what a byte-exact re-encoding
// needs beyond the typed fields.
type Wire struct {
	// Unknown holds, in order, the attributes the container does not
	// interpret: unknown types and known types that do not belong to it
	// (their lengths are still checked). Encoding writes them back.
	Unknown []Attribute
	// Order lists the type of every attribute in wire order, as decoded.
	// Encoding follows it; typed values with no entry left follow in the
	// specification's order, then Unknown attributes with no entry left.
	// Nil (a container built in code) means the specification's order.
	Order []AttrType
}

func (w *Wire) wire() *Wire { return w }

// Container is implemented by every struct of this package that is encoded
// as a sequence of WSC attributes. Decode one with Decode.
type Container interface {
	// Append appends the encoded attributes to b.
	Append(b []byte) ([]byte, error)
	fields() []field
	wire() *Wire
}

// validator is implemented by containers with rules across attributes.
type validator interface {
	validate() error
}

// field binds one attribute type of a container to one of its struct fields.
type field struct {
	typ   AttrType
	need  bool // mandatory
	multi bool // may repeat
	// n reports how many values the struct holds (0 or 1 unless multi).
	n func() int
	// dec stores one occurrence's value.
	dec func(v []byte) error
	// enc appends the value of occurrence i.
	enc func(b []byte, i int) ([]byte, error)
}

// Decode decodes b as the container T: a message (M1, ProbeRequest, ...),
// the plaintext of Encrypted Settings (M4Settings, ...) or a Credential.
// It fails if the attribute layer is malformed, an attribute has a length
// or value the specification does not allow, an attribute that may occur
// once is repeated, or a mandatory attribute is missing. For messages with
// a Message Type attribute, the type must match T.
func Decode[T any, PT interface {
	*T
	Container
}](b []byte) (*T, error) {
	attrs, err := ParseAttributes(b)
	if err != nil {
		return nil, err
	}
	var t T
	if err := decodeAttributes(PT(&t), attrs); err != nil {
		return nil, err
	}
	return &t, nil
}

func findField(fs []field, t AttrType) int {
	for i := range fs {
		if fs[i].typ == t {
			return i
		}
	}
	return -1
}

func decodeAttributes(c Container, attrs []Attribute) error {
	fs := c.fields()
	w := c.wire()
	w.Order = make([]AttrType, len(attrs))
	seen := make([]bool, len(fs))
	for k, a := range attrs {
		w.Order[k] = a.Type
		if err := checkLength(a); err != nil {
			return err
		}
		i := findField(fs, a.Type)
		if i < 0 {
			w.Unknown = append(w.Unknown, a)
			continue
		}
		if seen[i] && !fs[i].multi {
			return fmt.Errorf("%w: %v repeated", ErrInvalid, a.Type)
		}
		seen[i] = true
		if err := fs[i].dec(a.Value); err != nil {
			return fmt.Errorf("%v: %w", a.Type, err)
		}
	}
	for i, f := range fs {
		if f.need && !seen[i] {
			return fmt.Errorf("%w: %v", ErrMissing, f.typ)
		}
	}
	if v, ok := c.(validator); ok {
		return v.validate()
	}
	return nil
}

func appendContainer(b []byte, c Container) ([]byte, error) {
	if v, ok := c.(validator); ok {
		if err := v.validate(); err != nil {
			return b, err
		}
	}
	fs := c.fields()
	w := c.wire()
	for i, f := range fs {
		if f.need && f.n() == 0 {
			return b, fmt.Errorf("%w: %v", ErrMissing, f.typ)
		}
		if !f.multi && f.n() > 1 {
			return b, fmt.Errorf("%w: %v repeated", ErrInvalid, fs[i].typ)
		}
	}
	for _, a := range w.Unknown {
		if findField(fs, a.Type) >= 0 {
			return b, fmt.Errorf("%w: %v in Unknown has a typed field", ErrInvalid, a.Type)
		}
		if err := checkLength(a); err != nil {
			return b, err
		}
	}
	done := make([]int, len(fs))
	emit := func(i int) error {
		start := len(b)
		b = append(b, 0, 0, 0, 0)
		var err error
		if b, err = fs[i].enc(b, done[i]); err != nil {
			return fmt.Errorf("%v: %w", fs[i].typ, err)
		}
		a := Attribute{Type: fs[i].typ, Value: b[start+attrHeaderLen:]}
		if len(a.Value) > MaxAttributeValue {
			return fmt.Errorf("%w: %v value of %d octets exceeds %d", ErrInvalid, a.Type, len(a.Value), MaxAttributeValue)
		}
		if err := checkLength(a); err != nil {
			return err
		}
		binary.BigEndian.PutUint16(b[start:], uint16(a.Type))
		binary.BigEndian.PutUint16(b[start+2:], uint16(len(a.Value)))
		done[i]++
		return nil
	}
	used := make([]bool, len(w.Unknown))
	var err error
	if w.Order != nil {
		pending := make(map[AttrType][]int)
		for i, a := range w.Unknown {
			pending[a.Type] = append(pending[a.Type], i)
		}
		for _, t := range w.Order {
			if i := findField(fs, t); i >= 0 {
				if done[i] < fs[i].n() {
					if err := emit(i); err != nil {
						return b, err
					}
				}
				continue
			}
			if q := pending[t]; len(q) > 0 {
				if b, err = AppendAttribute(b, w.Unknown[q[0]]); err != nil {
					return b, err
				}
				used[q[0]] = true
				pending[t] = q[1:]
			}
		}
	}
	for i := range fs {
		for done[i] < fs[i].n() {
			if err := emit(i); err != nil {
				return b, err
			}
		}
	}
	for i, a := range w.Unknown {
		if !used[i] {
			if b, err = AppendAttribute(b, a); err != nil {
				return b, err
			}
		}
	}
	return b, nil
}

// valueCodec converts one attribute value to and from its Go type. Lengths
// of known attribute types are checked by checkLength before dec and after
// enc; codecs check what checkLength cannot.
type valueCodec[T any] struct {
	dec func(v []byte) (T, error)
	enc func(b []byte, x T) ([]byte, error)
}

// required binds a mandatory attribute that occurs once.
func required[T any](t AttrType, p *T, c valueCodec[T]) field {
	return field{
		typ:  t,
		need: true,
		n:    func() int { return 1 },
		dec: func(v []byte) error {
			x, err := c.dec(v)
			*p = x
			return err
		},
		enc: func(b []byte, _ int) ([]byte, error) { return c.enc(b, *p) },
	}
}

// optional binds an optional attribute that occurs at most once; nil means absent.
func optional[T any](t AttrType, p **T, c valueCodec[T]) field {
	return field{
		typ: t,
		n: func() int {
			if *p == nil {
				return 0
			}
			return 1
		},
		dec: func(v []byte) error {
			x, err := c.dec(v)
			*p = &x
			return err
		},
		enc: func(b []byte, _ int) ([]byte, error) { return c.enc(b, **p) },
	}
}

// optionalSlice binds an optional slice-valued attribute that occurs at
// most once; nil means absent, an empty non-nil slice an empty value.
func optionalSlice[T any](t AttrType, p *[]T, c valueCodec[[]T]) field {
	return field{
		typ: t,
		n: func() int {
			if *p == nil {
				return 0
			}
			return 1
		},
		dec: func(v []byte) error {
			x, err := c.dec(v)
			if x == nil {
				x = []T{}
			}
			*p = x
			return err
		},
		enc: func(b []byte, _ int) ([]byte, error) { return c.enc(b, *p) },
	}
}

// repeated binds an attribute that may occur any number of times, in order.
func repeated[T any](t AttrType, p *[]T, c valueCodec[T], need bool) field {
	return field{
		typ:   t,
		need:  need,
		multi: true,
		n:     func() int { return len(*p) },
		dec: func(v []byte) error {
			x, err := c.dec(v)
			*p = append(*p, x)
			return err
		},
		enc: func(b []byte, i int) ([]byte, error) { return c.enc(b, (*p)[i]) },
	}
}

// constant binds a mandatory one-octet attribute with a fixed value (Version,
// Message Type).
func constant(t AttrType, want uint8) field {
	return field{
		typ:  t,
		need: true,
		n:    func() int { return 1 },
		dec: func(v []byte) error {
			if len(v) != 1 || v[0] != want {
				return fmt.Errorf("%w: value %x, want 0x%02x", ErrInvalid, v, want)
			}
			return nil
		},
		enc: func(b []byte, _ int) ([]byte, error) { return append(b, want), nil },
	}
}

func uint8Codec[T ~uint8]() valueCodec[T] {
	return valueCodec[T]{
		dec: func(v []byte) (T, error) {
			if len(v) != 1 {
				return 0, fmt.Errorf("%w: %d octets, want 1", ErrInvalid, len(v))
			}
			return T(v[0]), nil
		},
		enc: func(b []byte, x T) ([]byte, error) { return append(b, uint8(x)), nil },
	}
}

func uint16Codec[T ~uint16]() valueCodec[T] {
	return valueCodec[T]{
		dec: func(v []byte) (T, error) {
			if len(v) != 2 {
				return 0, fmt.Errorf("%w: %d octets, want 2", ErrInvalid, len(v))
			}
			return T(binary.BigEndian.Uint16(v)), nil
		},
		enc: func(b []byte, x T) ([]byte, error) { return binary.BigEndian.AppendUint16(b, uint16(x)), nil },
	}
}

func uint32Codec[T ~uint32]() valueCodec[T] {
	return valueCodec[T]{
		dec: func(v []byte) (T, error) {
			if len(v) != 4 {
				return 0, fmt.Errorf("%w: %d octets, want 4", ErrInvalid, len(v))
			}
			return T(binary.BigEndian.Uint32(v)), nil
		},
		enc: func(b []byte, x T) ([]byte, error) { return binary.BigEndian.AppendUint32(b, uint32(x)), nil },
	}
}

// boolCodec reads a one-octet Boolean: 0 or 1, anything else is invalid
// (so that the value re-encodes to the same octet).
func boolCodec() valueCodec[bool] {
	return valueCodec[bool]{
		dec: func(v []byte) (bool, error) {
			if len(v) != 1 {
				return false, fmt.Errorf("%w: %d octets, want 1", ErrInvalid, len(v))
			}
			return decodeBool(v, "Boolean")
		},
		enc: func(b []byte, x bool) ([]byte, error) { return append(b, boolOctet(x)), nil },
	}
}

// fixedOctets are the fixed-size octet-string value types.
type fixedOctets interface {
	~[6]byte | ~[8]byte | ~[16]byte | ~[32]byte | ~[PublicKeyLen]byte
}

func octetsCodec[A fixedOctets]() valueCodec[A] {
	return valueCodec[A]{
		dec: func(v []byte) (A, error) {
			var a A
			if len(v) != len(a) {
				return a, fmt.Errorf("%w: %d octets, want %d", ErrInvalid, len(v), len(a))
			}
			return A(v), nil
		},
		enc: func(b []byte, a A) ([]byte, error) {
			for i := range len(a) {
				b = append(b, a[i])
			}
			return b, nil
		},
	}
}

// textCodec reads a text attribute of at most limit octets. The octets are
// kept as they are (Go strings hold any octets); callers that display them
// should check utf8.ValidString and strip control characters.
func textCodec(limit int) valueCodec[string] {
	return valueCodec[string]{
		dec: func(v []byte) (string, error) {
			if len(v) > limit {
				return "", fmt.Errorf("%w: %d octets exceed %d", ErrInvalid, len(v), limit)
			}
			return string(v), nil
		},
		enc: func(b []byte, s string) ([]byte, error) {
			if len(s) > limit {
				return b, fmt.Errorf("%w: %d octets exceed %d", ErrInvalid, len(s), limit)
			}
			return append(b, s...), nil
		},
	}
}

// bytesCodec reads an octet string of at most limit octets.
func bytesCodec(limit int) valueCodec[[]byte] {
	return valueCodec[[]byte]{
		dec: func(v []byte) ([]byte, error) {
			if len(v) > limit {
				return nil, fmt.Errorf("%w: %d octets exceed %d", ErrInvalid, len(v), limit)
			}
			return v, nil
		},
		enc: func(b []byte, x []byte) ([]byte, error) {
			if len(x) > limit {
				return b, fmt.Errorf("%w: %d octets exceed %d", ErrInvalid, len(x), limit)
			}
			return append(b, x...), nil
		},
	}
}

func deviceTypeCodec() valueCodec[DeviceType] {
	return valueCodec[DeviceType]{
		dec: decodeDeviceType,
		enc: func(b []byte, d DeviceType) ([]byte, error) { return appendDeviceType(b, d), nil },
	}
}

func deviceTypeListCodec() valueCodec[[]DeviceType] {
	return valueCodec[[]DeviceType]{
		dec: func(v []byte) ([]DeviceType, error) {
			if len(v)%deviceTypeLen != 0 || len(v) > MaxSecondaryDeviceTypes*deviceTypeLen {
				return nil, fmt.Errorf("%w: device type list of %d octets", ErrInvalid, len(v))
			}
			l := make([]DeviceType, len(v)/deviceTypeLen)
			for i := range l {
				l[i], _ = decodeDeviceType(v[i*deviceTypeLen : (i+1)*deviceTypeLen])
			}
			return l, nil
		},
		enc: func(b []byte, l []DeviceType) ([]byte, error) {
			if len(l) > MaxSecondaryDeviceTypes {
				return b, fmt.Errorf("%w: %d device types exceed %d", ErrInvalid, len(l), MaxSecondaryDeviceTypes)
			}
			for _, d := range l {
				b = appendDeviceType(b, d)
			}
			return b, nil
		},
	}
}

func encryptedSettingsCodec() valueCodec[EncryptedSettings] {
	return valueCodec[EncryptedSettings]{dec: decodeEncryptedSettings, enc: appendEncryptedSettings}
}

func vendorExtensionCodec() valueCodec[VendorExtension] {
	return valueCodec[VendorExtension]{dec: decodeVendorExtension, enc: appendVendorExtension}
}

// containerCodec reads an attribute whose value is itself an attribute
// sequence (Credential).
func containerCodec[T any, PT interface {
	*T
	Container
}]() valueCodec[T] {
	return valueCodec[T]{
		dec: func(v []byte) (T, error) {
			var t T
			attrs, err := ParseAttributes(v)
			if err != nil {
				return t, err
			}
			err = decodeAttributes(PT(&t), attrs)
			return t, err
		},
		enc: func(b []byte, t T) ([]byte, error) { return PT(&t).Append(b) },
	}
}

// hasControl reports whether s holds an ASCII control character (C0 or
// DEL), as hostap's has_ctrl_char.
func hasControl(s []byte) bool {
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return true
		}
	}
	return false
}
