package sharing_test

import (
	"context"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

var msgTestDown = errs.Define("sharing.test.delivery_down", "the exchange is down", "交换暂不可用")

// downDelivery fails to start any delivery with a keyed message.
type downDelivery struct{}

func (downDelivery) Start(context.Context, sharing.Grant) (string, error) {
	return "", errs.New(errs.Unavailable, msgTestDown)
}
func (downDelivery) Stop(context.Context, sharing.Grant, string) error { return nil }

// The domain's refusals are keyed: said in English and in Chinese; a
// delivery that could not start is kept by key and said in the reader's
// language.
func TestMessagesInBothLanguages(t *testing.T) {
	storetest.Each(t, testMigrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx, rsj := w.Ctx, w.User("rsj.consumer")
		in := sharing.ApplicationInput{EntryCode: w.Code["gaj"], Items: []string{"name"}, Purpose: " ", Basis: "依据", Scenario: "场景",
			Delivery: "post", ValidUntil: "2026-13-45", Masking: map[string]string{"name": "none"}}
		_, err := w.Sharing.Apply(ctx, rsj, in)
		_, _, en := errs.PublicIn(err, "en")
		_, _, zh := errs.PublicIn(err, "zh-CN")
		for field, want := range map[string][2]string{
			"purpose":     {"required", "必填"},
			"delivery":    {"want table, api or file", "请选择交付方式"},
			"valid_until": {`"2026-13-45" is not a date (YYYY-MM-DD)`, "“2026-13-45”不是日期（YYYY-MM-DD）"},
			"masking":     {`name: masking "none" is weaker than the catalog's default "name"`, "name：脱敏规则“不脱敏”弱于目录默认“姓名”"},
		} {
			if !strings.HasPrefix(en[field], want[0]) || !strings.HasPrefix(zh[field], want[1]) {
				t.Errorf("%s: en %q, zh %q; want %q, %q", field, en[field], zh[field], want[0], want[1])
			}
		}

		w.Sharing.Deliverers[sharing.DeliveryAPI] = downDelivery{}
		a, err := w.Sharing.Apply(ctx, rsj, sharing.ApplicationInput{EntryCode: w.Code["scj"], Purpose: "核验", Basis: "依据（测试）", Scenario: "场景",
			Delivery: sharing.DeliveryAPI})
		if err != nil || a.GrantID == 0 {
			t.Fatalf("an unconditional application: %+v, %v", a, err)
		}
		g, err := w.Sharing.Grant(ctx, rsj, a.GrantID)
		if err != nil {
			t.Fatal(err)
		}
		if g.DeliveryError != "the exchange is down" || g.In("zh-CN").DeliveryError != "交换暂不可用" {
			t.Errorf("delivery error %q, in Chinese %q", g.DeliveryError, g.In("zh-CN").DeliveryError)
		}
	})
}
