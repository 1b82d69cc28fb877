package cluster

import (
	"fmt"
	"strings"

	"sluice/engine"
)

// ConfigDoc renders docs/config.md from BrokerConfigDefs, KafkaDifferences
// and engine.TopicConfigDefs.
func ConfigDoc() string {
	var b strings.Builder
	b.WriteString("<!-- Generated from cluster/config*.go by `go generate ./cluster`. DO NOT EDIT. -->\n\n")
	b.WriteString("# Sluice configuration\n\n")
	b.WriteString("`sluice broker --config server.properties --override key=value` takes Kafka 3.9's server property\n")
	b.WriteString("names. Settings Kafka does not have are prefixed `sluice.`. An unknown key is warned about and\n")
	b.WriteString("ignored; a bad value stops start-up with a one-line reason naming the key.\n\n")

	b.WriteString("## Differences from Kafka 3.9\n\n")
	b.WriteString("Defaults and behaviour are Kafka's except for these deliberate differences. \"Single node\" rows\n")
	b.WriteString("apply only without `zookeeper.connect`; with ZooKeeper Kafka's default applies.\n\n")
	b.WriteString("| Property | Kafka | Sluice | When | Why |\n|---|---|---|---|---|\n")
	for _, d := range KafkaDifferences {
		when := "always"
		if d.EmbeddedOnly {
			when = "single node"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", d.Name, cell(d.Kafka), cell(d.Sluice), when, cell(d.Why))
	}

	b.WriteString("\n## Broker properties\n\n")
	b.WriteString("Update mode: `read-only` needs a restart; `cluster-wide` can be changed at run time with\n")
	b.WriteString("AlterConfigs / IncrementalAlterConfigs for one broker or as the cluster default, and applies to\n")
	b.WriteString("every topic without an override at once.\n\n")
	b.WriteString("| Name | Type | Default | Valid values | Update mode | Description |\n|---|---|---|---|---|---|\n")
	for _, d := range BrokerConfigDefs {
		def := "`" + d.Default + "`"
		if d.NullDefault {
			def = "null"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", d.Name, d.Type, def, cell(d.Valid), d.Update, cell(d.Doc))
	}

	b.WriteString("\n## Topic configs\n\n")
	b.WriteString("Set per topic with CreateTopics / AlterConfigs; a topic without an override takes the broker\n")
	b.WriteString("property in the last column (with Kafka's precedence: `log.retention.ms` over `.minutes` over\n")
	b.WriteString("`.hours`, `log.roll.ms` over `log.roll.hours`).\n\n")
	b.WriteString("| Name | Type | Default | Valid values | Broker default from |\n|---|---|---|---|---|\n")
	for _, d := range engine.TopicConfigDefs {
		server := ""
		if d.ServerDefaultProperty != "" {
			server = "`" + d.ServerDefaultProperty + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s | %s |\n", d.Name, d.Type, d.Default, cell(d.Valid), server)
	}

	b.WriteString("\n## Where metadata is kept\n\n")
	b.WriteString("Without `zookeeper.connect` the broker is a one-broker cluster whose metadata store is a file:\n")
	b.WriteString("`__sluice_metadata.json` in the first log dir holds the znodes ZooKeeper would (topics, topic ids,\n")
	b.WriteString("assignments, partition states, config overrides, dynamic broker configs, the cluster id, the\n")
	b.WriteString("controller epoch and producer-id blocks; format: package doc of `cluster/internal/znode`). It is\n")
	b.WriteString("replaced atomically on every change. Do not edit it while the broker runs.\n")
	return b.String()
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "\n", " ")
}
