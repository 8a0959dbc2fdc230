package sharing

import (
	"context"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
)

// Rules answers what the catalog says about a channel's source table, for
// exchange.ManagerOptions.Rules: when the table is the mounted table of a
// catalog entry (the grant's entry, for a grant's channel), each item's
// validator, required flag and length become the rule of the column that
// holds it (the mount's column mapping), and its default masking is how
// the column's values are shown to people in the quarantine. A table no
// entry is mounted on has no rules: its rows are checked against their
// column types only.
func (d TableDelivery) Rules(ctx context.Context, c exchange.ChannelInfo) (exchange.ChannelRules, error) {
	if c.Source.NodeID != "" {
		return exchange.ChannelRules{}, nil // mounts name platform-registered datasources
	}
	cat := d.Sharing.cat
	var (
		r    catalog.Reader
		code string
	)
	if c.GrantID != 0 {
		if g, err := d.Sharing.grantByID(ctx, c.GrantID); err == nil {
			if rd, err := cat.Reader(ctx, g.EntryCode, catalog.MountTable); err == nil &&
				rd.Mount.DatasourceName == c.Source.Datasource && rd.Mount.Table == c.Source.Table {
				r, code = rd, g.EntryCode
			}
		}
	}
	if code == "" {
		m, ok, err := cat.TableMount(ctx, c.ProviderID, c.Source.Datasource, c.Source.Table)
		if err != nil || !ok {
			return exchange.ChannelRules{}, err
		}
		r, code = catalog.Reader{Mount: m}, m.Code
	}
	e, err := cat.Get(ctx, org.System, code, false)
	if err != nil {
		return exchange.ChannelRules{}, err
	}
	return ItemRules(e.Items, r.Column), nil
}

// ItemRules maps catalog items to the rules and display masking of the
// columns that hold them; column names an item's column.
func ItemRules(items []catalog.Item, column func(item string) string) exchange.ChannelRules {
	out := exchange.ChannelRules{Rules: map[string]exchange.Rule{}, Mask: map[string]string{}}
	for _, it := range items {
		col := column(it.Identifier)
		if it.Masking != "" && mask.Valid(it.Masking) {
			out.Mask[col] = it.Masking
		}
		rule := exchange.Rule{NotNull: it.Required && !it.Key}
		switch it.Validator {
		case exchange.ValidateIDNumber, exchange.ValidateCreditCode, exchange.ValidateDivisionCode, exchange.ValidatePhone,
			exchange.ValidateDate, exchange.ValidateEnum, exchange.ValidateRegex:
			rule.Validator, rule.Param = it.Validator, it.ValidatorParam
		}
		switch it.DataType {
		case "string", "text", "":
			rule.MaxLength = it.Length
		}
		if rule != (exchange.Rule{}) {
			out.Rules[col] = rule
		}
	}
	return out
}
