package main

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
)

// groupView is the --json form of `group describe`.
type groupView struct {
	Group        string            `json:"group"`
	State        string            `json:"state"`
	ProtocolType string            `json:"protocol_type"`
	Protocol     string            `json:"protocol"`
	Coordinator  int32             `json:"coordinator"`
	Members      []groupMemberView `json:"members"`
	Offsets      []groupOffsetView `json:"offsets"`
	TotalLag     int64             `json:"total_lag"`
}

type groupMemberView struct {
	MemberID   string          `json:"member_id"`
	InstanceID *string         `json:"instance_id"`
	ClientID   string          `json:"client_id"`
	ClientHost string          `json:"client_host"`
	Assignment []topicAssigned `json:"assignment"`
}

type topicAssigned struct {
	Topic      string  `json:"topic"`
	Partitions []int32 `json:"partitions"`
}

// groupOffsetView is one partition the group has committed or is assigned.
// Committed is nil when nothing is committed; End and Lag are nil when the
// log end offset could not be listed (a deleted topic).
type groupOffsetView struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Committed *int64 `json:"committed_offset"`
	End       *int64 `json:"log_end_offset"`
	Lag       *int64 `json:"lag"`
	MemberID  string `json:"member_id,omitempty"`
}

func newGroupDescribeCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "describe GROUP",
		Short: "Show a group's state, members, assignments, committed offsets and lag",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			ctx, adm, done, err := f.adminSession(c.Context())
			if err != nil {
				return err
			}
			defer done()
			v, err := loadGroupView(ctx, adm, args[0])
			if err != nil {
				return fmt.Errorf("describe group %s: %w", args[0], err)
			}
			return printGroupView(f, v)
		},
	}
}

// loadGroupView gathers the description, the committed offsets and the log
// end offsets of every partition committed or assigned.
func loadGroupView(ctx context.Context, adm *kadm.Client, group string) (groupView, error) {
	g, err := describeGroup(ctx, adm, group)
	if err != nil {
		return groupView{}, err
	}
	v := groupView{
		Group: g.Group, State: g.State, ProtocolType: g.ProtocolType, Protocol: g.Protocol,
		Coordinator: g.Coordinator.NodeID, Members: []groupMemberView{}, Offsets: []groupOffsetView{},
	}
	type tp struct {
		topic string
		part  int32
	}
	owner := map[tp]string{}
	for _, m := range g.Members {
		mv := groupMemberView{MemberID: m.MemberID, InstanceID: m.InstanceID, ClientID: m.ClientID, ClientHost: m.ClientHost, Assignment: []topicAssigned{}}
		if a, ok := m.Assigned.AsConsumer(); ok {
			for _, t := range a.Topics {
				parts := append([]int32(nil), t.Partitions...)
				sort.Slice(parts, func(i, j int) bool { return parts[i] < parts[j] })
				mv.Assignment = append(mv.Assignment, topicAssigned{Topic: t.Topic, Partitions: parts})
				for _, p := range parts {
					owner[tp{t.Topic, p}] = m.MemberID
				}
			}
			sort.Slice(mv.Assignment, func(i, j int) bool { return mv.Assignment[i].Topic < mv.Assignment[j].Topic })
		}
		v.Members = append(v.Members, mv)
	}
	committed, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		return v, fmt.Errorf("fetch committed offsets: %w", ctxErr("fetch offsets", err))
	}
	rows := map[tp]*groupOffsetView{}
	topics := map[string]bool{}
	committed.Each(func(o kadm.OffsetResponse) {
		if o.Err != nil || o.At < 0 {
			return
		}
		rows[tp{o.Topic, o.Partition}] = &groupOffsetView{Topic: o.Topic, Partition: o.Partition, Committed: ptr(o.At)}
		topics[o.Topic] = true
	})
	for k, m := range owner {
		r := rows[k]
		if r == nil {
			r = &groupOffsetView{Topic: k.topic, Partition: k.part}
			rows[k] = r
		}
		r.MemberID = m
		topics[k.topic] = true
	}
	if len(topics) > 0 {
		ends, err := adm.ListEndOffsets(ctx, sortedKeys(topics)...)
		if err != nil {
			return v, fmt.Errorf("list end offsets: %w", ctxErr("list offsets", err))
		}
		for k, r := range rows {
			if e, ok := ends.Lookup(k.topic, k.part); ok && e.Err == nil {
				r.End = ptr(e.Offset)
				if r.Committed != nil {
					lag := max(e.Offset-*r.Committed, 0)
					r.Lag = &lag
					v.TotalLag += lag
				}
			}
		}
	}
	for _, r := range rows {
		v.Offsets = append(v.Offsets, *r)
	}
	sort.Slice(v.Offsets, func(i, j int) bool {
		a, b := v.Offsets[i], v.Offsets[j]
		if a.Topic != b.Topic {
			return a.Topic < b.Topic
		}
		return a.Partition < b.Partition
	})
	return v, nil
}

func printGroupView(f *clientFlags, v groupView) error {
	p := f.printer()
	if p.JSON {
		return p.Encode(v)
	}
	if err := p.KV([][2]string{
		{"Group", v.Group},
		{"State", v.State},
		{"Protocol type", dash(v.ProtocolType)},
		{"Protocol", dash(v.Protocol)},
		{"Coordinator", itoa(v.Coordinator)},
		{"Members", strconv.Itoa(len(v.Members))},
		{"Total lag", itoa(v.TotalLag)},
	}); err != nil {
		return err
	}
	if len(v.Members) > 0 {
		var tab [][]string
		for _, m := range v.Members {
			inst := "-"
			if m.InstanceID != nil {
				inst = *m.InstanceID
			}
			tab = append(tab, []string{m.MemberID, inst, dash(m.ClientID), dash(m.ClientHost), formatAssignment(m.Assignment)})
		}
		if err := p.Section(false, "Members", []string{"member-id", "instance-id", "client-id", "host", "assignment"}, tab); err != nil {
			return err
		}
	}
	var tab [][]string
	for _, o := range v.Offsets {
		tab = append(tab, []string{o.Topic, itoa(o.Partition), optInt(o.Committed), optInt(o.End), optInt(o.Lag), dash(o.MemberID)})
	}
	return p.Section(false, "Offsets", []string{"topic", "partition", "current-offset", "log-end-offset", "lag", "member-id"}, tab)
}

// formatAssignment prints "t1:0,1 t2:3", or "-" for nothing.
func formatAssignment(as []topicAssigned) string {
	if len(as) == 0 {
		return "-"
	}
	parts := make([]string, 0, len(as))
	for _, a := range as {
		ps := make([]string, 0, len(a.Partitions))
		for _, p := range a.Partitions {
			ps = append(ps, itoa(p))
		}
		parts = append(parts, a.Topic+":"+strings.Join(ps, ","))
	}
	return strings.Join(parts, " ")
}

func optInt(v *int64) string {
	if v == nil {
		return "-"
	}
	return itoa(*v)
}
