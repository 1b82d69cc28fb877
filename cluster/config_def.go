package cluster

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"sluice/engine"
)

// UpdateMode says whether a broker config can be changed at run time with
// AlterConfigs / IncrementalAlterConfigs (Kafka's "Update Mode" column).
type UpdateMode uint8

const (
	// ReadOnly configs need a restart to change.
	ReadOnly UpdateMode = iota
	// PerBroker configs can be set dynamically for one broker.
	PerBroker
	// ClusterWide configs can be set dynamically for one broker or as the
	// cluster-wide default (resource name "").
	ClusterWide
)

// String returns Kafka's name for the mode.
func (m UpdateMode) String() string {
	switch m {
	case PerBroker:
		return "per-broker"
	case ClusterWide:
		return "cluster-wide"
	default:
		return "read-only"
	}
}

// BrokerConfigDef is one row of the broker configuration table: the shared
// engine.ConfigDef (name, type, default, valid range, doc) plus what only
// broker configs have.
type BrokerConfigDef struct {
	engine.ConfigDef
	// Update is how the config can be changed at run time.
	Update UpdateMode
	// Sensitive values (passwords) are never returned by DescribeConfigs.
	Sensitive bool
	// NullDefault: the config has no default (Kafka prints null); Default
	// is then "".
	NullDefault bool
	// Synonyms are the lower-precedence keys that supply this config's
	// value when it is not set, in precedence order (log.retention.ms:
	// log.retention.minutes, log.retention.hours).
	Synonyms []string
}

// Row constructors. Each builds the Validate function from the range so that
// the table, the parser and the docs cannot disagree.

func intDef(name, def, doc string, min, max int64) BrokerConfigDef {
	return numDef(name, "int", def, doc, min, max, 32)
}

func shortDef(name, def, doc string, min, max int64) BrokerConfigDef {
	return numDef(name, "short", def, doc, min, max, 16)
}

func longDef(name, def, doc string, min, max int64) BrokerConfigDef {
	return numDef(name, "long", def, doc, min, max, 64)
}

func numDef(name, typ, def, doc string, min, max int64, bits int) BrokerConfigDef {
	lo, hi := int64(math.MinInt64)>>(64-bits), int64(math.MaxInt64)>>(64-bits)
	valid := ""
	switch {
	case min == lo && max == hi:
	case max == hi:
		valid = fmt.Sprintf("[%d,...]", min)
	case min == lo:
		valid = fmt.Sprintf("[...,%d]", max)
	default:
		valid = fmt.Sprintf("[%d,...,%d]", min, max)
	}
	check := func(s string) error {
		v, err := strconv.ParseInt(s, 10, bits)
		if err != nil {
			return reasonf("Expected value to be a %d-bit integer (%s), but it was %q", bits, typ, s)
		}
		if v < min {
			return reasonf("Value must be at least %d", min)
		}
		if v > max {
			return reasonf("Value must be no more than %d", max)
		}
		return nil
	}
	return BrokerConfigDef{ConfigDef: engine.ConfigDef{Name: name, Type: typ, Default: def, Doc: doc, Valid: valid, Validate: check},
		NullDefault: def == ""}
}

func boolDef(name, def, doc string) BrokerConfigDef {
	return BrokerConfigDef{ConfigDef: engine.ConfigDef{Name: name, Type: "boolean", Default: def, Doc: doc,
		Validate: func(s string) error {
			if !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false") {
				return reasonf("Expected value to be either true or false")
			}
			return nil
		}}}
}

// stringDef: choices nil accepts anything; otherwise the value must be one
// of them.
func stringDef(name, def, doc string, choices ...string) BrokerConfigDef {
	d := BrokerConfigDef{ConfigDef: engine.ConfigDef{Name: name, Type: "string", Default: def, Doc: doc}, NullDefault: def == ""}
	if len(choices) > 0 {
		d.Valid = "[" + strings.Join(choices, ", ") + "]"
		d.Validate = func(s string) error {
			for _, c := range choices {
				if s == c {
					return nil
				}
			}
			return reasonf("String must be one of: %s", strings.Join(choices, ", "))
		}
	}
	return d
}

// classDef is a Kafka CLASS config: Sluice implements the named classes
// itself, so the value must be one of them.
func classDef(name, def, doc string, classes ...string) BrokerConfigDef {
	d := stringDef(name, def, doc, classes...)
	d.Type = "class"
	return d
}

// formatVersionDef validates d as Kafka's MetadataVersionValidator.
func formatVersionDef(d BrokerConfigDef) BrokerConfigDef {
	d.Valid, d.Validate = engine.MessageFormatVersions, func(s string) error {
		if err := engine.ValidateMessageFormatVersion(s); err != nil {
			return reason(err.Error())
		}
		return nil
	}
	return d
}

// listDef: a comma-separated list; choices as for stringDef, per element.
func listDef(name, def, doc string, choices ...string) BrokerConfigDef {
	d := stringDef(name, def, doc, choices...)
	d.Type = "list"
	if elem := d.Validate; elem != nil {
		d.Validate = func(s string) error {
			for _, e := range splitList(s) {
				if err := elem(e); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return d
}

func doubleDef(name, def, doc string, min, max float64) BrokerConfigDef {
	return BrokerConfigDef{ConfigDef: engine.ConfigDef{Name: name, Type: "double", Default: def, Doc: doc,
		Valid: fmt.Sprintf("[%g,...,%g]", min, max),
		Validate: func(s string) error {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return reasonf("Expected value to be a double, but it was %q", s)
			}
			if v < min || v > max {
				return reasonf("Value must be between %g and %g", min, max)
			}
			return nil
		}}}
}

func (d BrokerConfigDef) dynamic(m UpdateMode) BrokerConfigDef { d.Update = m; return d }

func (d BrokerConfigDef) synonyms(s ...string) BrokerConfigDef { d.Synonyms = s; return d }

// splitList splits a Kafka list value on commas, trimming blanks and
// dropping empty elements.
func splitList(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

var brokerDefByName = func() map[string]*BrokerConfigDef {
	m := make(map[string]*BrokerConfigDef, len(BrokerConfigDefs))
	for i := range BrokerConfigDefs {
		m[BrokerConfigDefs[i].Name] = &BrokerConfigDefs[i]
	}
	return m
}()

// LookupBrokerConfigDef returns the table row of a broker config.
func LookupBrokerConfigDef(name string) (BrokerConfigDef, bool) {
	d, ok := brokerDefByName[name]
	if !ok {
		return BrokerConfigDef{}, false
	}
	return *d, true
}

// reason is a validation failure worded as Kafka words it (capitalised,
// since it ends up in a user-facing message after "Invalid value X for
// configuration Y: ").
type reason string

func (r reason) Error() string { return string(r) }

func reasonf(format string, args ...any) error { return reason(fmt.Sprintf(format, args...)) }
