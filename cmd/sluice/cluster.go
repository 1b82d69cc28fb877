package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cmd/sluice/internal/cli"
)

// newClusterCmd is `sluice cluster ...`: brokers, controller, leader
// elections, rebalancing, broker configs.
func newClusterCmd() *cobra.Command {
	f := &clientFlags{}
	cmd := parentCmd("cluster", "Show the cluster, elect leaders, rebalance replicas, describe or alter broker configs")
	addClientFlags(cmd, f, true)
	cfg := parentCmd("config", "Describe or alter broker configs")
	cfg.AddCommand(newClusterConfigDescribeCmd(f), newClusterConfigAlterCmd(f))
	cmd.AddCommand(newClusterInfoCmd(f), newClusterElectCmd(f), newClusterRebalanceCmd(f), cfg)
	return cmd
}

func newClusterInfoCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "info",
		Short: "Show the cluster id, the controller and the brokers with their leaders, partitions and under-replicated partitions",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx, adm, done, err := f.adminSession(c.Context())
			if err != nil {
				return err
			}
			defer done()
			md, err := adm.Metadata(ctx)
			if err != nil {
				return fmt.Errorf("cluster info: %w", ctxErr("cluster info", err))
			}
			return printClusterInfo(f.printer(), md)
		},
	}
}

// clusterBroker is one broker in `cluster info`.
type clusterBroker struct {
	ID         int32  `json:"id"`
	Host       string `json:"host"`
	Port       int32  `json:"port"`
	Rack       string `json:"rack,omitempty"`
	Controller bool   `json:"controller"`
	Live       bool   `json:"live"`
	brokerHealth
}

// clusterInfo is `cluster info --json`.
type clusterInfo struct {
	ClusterID       string          `json:"cluster_id"`
	Controller      int32           `json:"controller"`
	Brokers         []clusterBroker `json:"brokers"`
	Partitions      int             `json:"partitions"`
	UnderReplicated int             `json:"under_replicated_partitions"`
	Offline         int             `json:"offline_partitions"`
}

// clusterInfoOf summarises md: every live broker, and every broker that
// holds replicas without being live (host empty, live false).
func clusterInfoOf(md kadm.Metadata) clusterInfo {
	ci := clusterInfo{ClusterID: md.Cluster, Controller: md.Controller, Brokers: []clusterBroker{}}
	addr := map[int32]kadm.BrokerDetail{}
	for _, b := range md.Brokers {
		addr[b.NodeID] = b
	}
	for _, h := range brokerHealthOf(md) {
		cb := clusterBroker{ID: h.ID, Controller: h.ID == md.Controller, brokerHealth: h}
		if b, ok := addr[h.ID]; ok {
			cb.Host, cb.Port, cb.Live = b.Host, b.Port, true
			if b.Rack != nil {
				cb.Rack = *b.Rack
			}
		}
		ci.Brokers = append(ci.Brokers, cb)
	}
	for _, h := range healthOf(md, allPartitions, false) {
		ci.Partitions++
		if h.UnderReplicated {
			ci.UnderReplicated++
		}
		if h.Offline {
			ci.Offline++
		}
	}
	return ci
}

func printClusterInfo(p *cli.Printer, md kadm.Metadata) error {
	ci := clusterInfoOf(md)
	if p.JSON {
		return p.Encode(ci)
	}
	var rows [][]string
	for _, b := range ci.Brokers {
		id, host, port := itoa(b.ID), b.Host, itoa(b.Port)
		if b.Controller {
			id += "*"
		}
		if !b.Live {
			host, port = "(not live)", "-"
		}
		rows = append(rows, []string{id, host, port, b.Rack, itoa(b.Leaders), itoa(b.Partitions), itoa(b.UnderReplicated)})
	}
	if err := p.KV([][2]string{
		{"Cluster ID", ci.ClusterID}, {"Controller", itoa(ci.Controller)},
		{"Partitions", fmt.Sprintf("%d (%d under-replicated, %d offline)", ci.Partitions, ci.UnderReplicated, ci.Offline)},
	}); err != nil {
		return err
	}
	return p.Section(false, "BROKERS (* = controller)", []string{"id", "host", "port", "rack", "leaders", "partitions", "under-replicated"}, rows)
}

func newClusterConfigDescribeCmd(f *clientFlags) *cobra.Command {
	var (
		broker int32
		all    bool
	)
	cmd := &cobra.Command{
		Use:   "describe",
		Short: "Show a broker's configs (those set explicitly, or all with --all)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx, adm, done, err := f.adminSession(c.Context())
			if err != nil {
				return err
			}
			defer done()
			if broker < 0 {
				if broker, err = firstBroker(ctx, adm); err != nil {
					return fmt.Errorf("describe broker configs: %w", ctxErr("describe", err))
				}
			}
			rcs, err := adm.DescribeBrokerConfigs(ctx, broker)
			var rc kadm.ResourceConfig
			if err == nil {
				rc, err = rcs.On(strconv.Itoa(int(broker)), nil)
			}
			if err == nil {
				err = respErrOf(rc.Err, rc.ErrMessage)
			}
			if err != nil {
				return fmt.Errorf("describe configs of broker %d: %w", broker, ctxErr("describe", err))
			}
			cs := configViews(rc.Configs, all,
				kmsg.ConfigSourceDynamicBrokerConfig, kmsg.ConfigSourceDynamicDefaultBrokerConfig, kmsg.ConfigSourceStaticBrokerConfig)
			p := f.printer()
			if p.JSON {
				return p.Encode(map[string]any{"broker": broker, "configs": cs})
			}
			var rows [][]string
			for _, c := range cs {
				rows = append(rows, []string{c.Name, c.Value, c.Source})
			}
			return p.Table([]string{"name", "value", "source"}, rows)
		},
	}
	cmd.Flags().Int32Var(&broker, "broker", -1, "broker id (default: the first broker)")
	cmd.Flags().BoolVar(&all, "all", false, "show every config including defaults")
	return cmd
}

func newClusterConfigAlterCmd(f *clientFlags) *cobra.Command {
	var (
		broker int32
		set    []string
		del    []string
	)
	cmd := &cobra.Command{
		Use:   "alter (-c key=value | --delete key)...",
		Short: "Set or remove dynamic broker configs (cluster-wide default unless --broker)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			alters, err := alterOps(set, del)
			if err != nil {
				return err
			}
			ctx, adm, done, err := f.adminSession(c.Context())
			if err != nil {
				return err
			}
			defer done()
			var rs kadm.AlterConfigsResponses
			target := "default"
			if broker >= 0 {
				target = itoa(broker)
				rs, err = adm.AlterBrokerConfigs(ctx, alters, broker)
			} else {
				rs, err = adm.AlterBrokerConfigs(ctx, alters)
			}
			if err == nil {
				err = firstAlterErr(rs)
			}
			if err != nil {
				return fmt.Errorf("alter broker configs: %w", ctxErr("alter", err))
			}
			return printAltered(f, "broker", target, alters)
		},
	}
	cmd.Flags().Int32Var(&broker, "broker", -1, "broker id (default: the cluster-wide default)")
	cmd.Flags().StringArrayVarP(&set, "config", "c", nil, "config key=value to set (repeatable)")
	cmd.Flags().StringArrayVar(&del, "delete", nil, "config key to remove (repeatable)")
	return cmd
}

// firstBroker is the default --broker: the lowest id the cluster lists.
func firstBroker(ctx context.Context, adm *kadm.Client) (int32, error) {
	bs, err := adm.ListBrokers(ctx)
	if err != nil {
		return -1, err
	}
	if len(bs) == 0 {
		return -1, fmt.Errorf("the cluster lists no brokers")
	}
	return bs[0].NodeID, nil
}
