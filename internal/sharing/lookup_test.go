package sharing_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/cryptosuite"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestLookupKeys: filters on masked items are refused unless the grant
// names the item as a lookup key (查询条件), and then only equality on one
// value, counted against the daily quota and audited with the value hashed.
func TestLookupKeys(t *testing.T) {
	storetest.Each(t, testMigrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx, rsj := w.Ctx, w.User("rsj.consumer")
		w.Sharing.LookupQuota = 3
		in := sharing.ApplicationInput{EntryCode: w.Code["gaj"], Items: []string{"id_number", "name", "gender"}, Purpose: "核验", Basis: "依据（测试）",
			Scenario: "场景", Delivery: sharing.DeliveryAPI, Lookup: []string{"id_number", "name"}}

		// The application: lookup keys are items applied for; a row filter
		// on a masked item is a lookup too.
		bad := in
		bad.Lookup = []string{"birth_date"}
		_, err := w.Sharing.Apply(ctx, rsj, bad)
		wantCode(t, "a lookup key not applied for", err, errs.Invalid)
		bad = in
		bad.RowFilter = sharing.RowFilter{{Item: "name", Op: sharing.OpIn, Values: []string{"王演示", "李演示"}}}
		_, err = w.Sharing.Apply(ctx, rsj, bad)
		wantCode(t, "a row filter in on a masked item", err, errs.Invalid)
		if _, _, f := errs.Public(err); !strings.Contains(f["row_filter"], "lookup key") {
			t.Errorf("the refusal does not name the rule: %v", f)
		}
		bad = in
		bad.Lookup = []string{"id_number"}
		bad.RowFilter = sharing.RowFilter{{Item: "name", Op: sharing.OpEq, Values: []string{"王演示"}}}
		_, err = w.Sharing.Apply(ctx, rsj, bad)
		wantCode(t, "a row filter on a masked item that is no lookup key", err, errs.Invalid)

		bad = in
		bad.Items, bad.Lookup = []string{"id_number", "gender"}, []string{"id_number"}
		bad.RowFilter = sharing.RowFilter{{Item: "name", Op: sharing.OpEq, Values: []string{"王演示"}}}
		_, err = w.Sharing.Apply(ctx, rsj, bad)
		wantCode(t, "a row filter on a masked item outside the grant", err, errs.Invalid)

		a, err := w.Sharing.Apply(ctx, rsj, in)
		wantCode(t, "apply with lookup keys", err, "")
		_, err = w.Sharing.Approve(ctx, w.User("gaj.approver"), a.ID, &sharing.Terms{Lookup: []string{"id_number", "gender"}}, "")
		wantCode(t, "an approver adding a lookup key", err, errs.Invalid)
		// The provider's approver keeps only id_number as a lookup key.
		if a, err = w.Sharing.Approve(ctx, w.User("gaj.approver"), a.ID, &sharing.Terms{Lookup: []string{"id_number"}}, ""); err != nil {
			t.Fatal(err)
		}
		if a, err = w.Sharing.Approve(ctx, w.User("xzsp.approver"), a.ID, nil, ""); err != nil {
			t.Fatal(err)
		}
		g, err := w.Sharing.Grant(ctx, rsj, a.GrantID)
		if err != nil || len(g.Lookup) != 1 || g.Lookup[0] != "id_number" {
			t.Fatalf("grant lookup %v, want [id_number]: %v", g.Lookup, err)
		}

		access := func(filters ...sharing.Condition) sharing.Access {
			return sharing.Access{Path: sharing.PathService, Department: rsj.DepartmentID, Actor: "gsapp1", AppID: 7, Code: w.Code["gaj"], Filters: filters}
		}
		eq := func(item string, v ...string) sharing.Condition {
			return sharing.Condition{Item: item, Op: sharing.OpEq, Values: v}
		}
		const id = "430202199001010011"
		cases := []struct {
			name     string
			access   sharing.Access
			wantErr  string
			contains string
		}{
			{"equality on an unmasked item", access(eq("gender", "女")), "", ""},
			{"in on an unmasked item", access(sharing.Condition{Item: "gender", Op: sharing.OpIn, Values: []string{"女", "男"}}), "", ""},
			{"name oracle: in on a masked item", access(sharing.Condition{Item: "name", Op: sharing.OpIn, Values: []string{"王演示", "李演示"}}), errs.Invalid, "lookup key"},
			{"equality on a masked item that is no lookup key", access(eq("name", "王演示")), errs.Invalid, "lookup key"},
			{"prefix on a lookup key", access(sharing.Condition{Item: "id_number", Op: sharing.OpPrefix, Values: []string{"4302"}}), errs.Invalid, "only equality"},
			{"in on a lookup key", access(sharing.Condition{Item: "id_number", Op: sharing.OpIn, Values: []string{id}}), errs.Invalid, "only equality"},
			{"range on a lookup key", access(sharing.Condition{Item: "id_number", Op: sharing.OpGte, Values: []string{id}}), errs.Invalid, "only equality"},
			{"lookup 1", access(eq("id_number", id)), "", ""},
			{"lookup 2", access(eq("id_number", id)), "", ""},
			{"lookup 3", access(eq("id_number", id), eq("gender", "女")), "", ""},
			{"lookup 4: over the quota", access(eq("id_number", id)), errs.RateLimited, "quota"},
			{"no lookup is not counted", access(eq("gender", "女")), "", ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				denied := w.denials("policy.deny")
				_, err := w.Sharing.Check(ctx, c.access)
				wantCode(t, c.name, err, c.wantErr)
				if c.wantErr == "" {
					return
				}
				if !strings.Contains(errs.Message(err), c.contains) {
					t.Errorf("error %q does not say %q", errs.Message(err), c.contains)
				}
				if w.denials("policy.deny") != denied+1 {
					t.Error("the refusal was not audited")
				}
			})
		}
		entries, n, err := w.Log.List(ctx, audit.Filter{Action: "policy.lookup"})
		if err != nil || n != 3 {
			t.Fatalf("%d lookups audited, want 3: %v", n, err)
		}
		key, err := w.Sharing.HashKey(ctx, rsj.DepartmentID)
		if err != nil {
			t.Fatal(err)
		}
		hashed := mask.Masker{Key: key}.Digest([]byte(id))
		for _, e := range entries {
			if strings.Contains(e.Detail, id) || !strings.Contains(e.Detail, "id_number=hmac-sm3:"+hashed) {
				t.Errorf("audit detail %q: want the value keyed-hashed, never in clear", e.Detail)
			}
		}

		// Another app of the department has its own quota; the next day resets it.
		other := access(eq("id_number", id))
		other.AppID = 8
		_, err = w.Sharing.Check(ctx, other)
		wantCode(t, "another app's first lookup", err, "")
		w.Now = w.Now.AddDate(0, 0, 1)
		_, err = w.Sharing.Check(ctx, access(eq("id_number", id)))
		wantCode(t, "the first lookup of the next day", err, "")
	})
}

// TestHashKey: each consumer department has its own key, created once,
// stored sealed, the same for every replica; the policy hands it out.
func TestHashKey(t *testing.T) {
	storetest.Each(t, testMigrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := w.Ctx
		sealer := cryptosuite.RandomSealer()
		w.Sharing.Secrets = sealer
		rsj, ybj := w.User("rsj.consumer").DepartmentID, w.User("ybj.consumer").DepartmentID
		k1, err := w.Sharing.HashKey(ctx, rsj)
		if err != nil || len(k1) != 32 {
			t.Fatalf("HashKey = %x, %v; want 32 bytes", k1, err)
		}
		k2, _ := w.Sharing.HashKey(ctx, ybj)
		if bytes.Equal(k1, k2) {
			t.Error("two departments share a hash key")
		}
		// Another replica (a new service on the same database and secrets key) reads the same key.
		replica := sharing.NewService(db, w.Log, w.Org, w.Cat, w.Lists)
		replica.Secrets = sealer
		again, err := replica.HashKey(ctx, rsj)
		if err != nil || !bytes.Equal(again, k1) {
			t.Errorf("the replica's key %x differs from %x: %v", again, k1, err)
		}
		var sealed string
		if err := db.QueryRow(ctx, "SELECT key_sealed FROM sharing_hash_keys WHERE department_id = ?", rsj).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(sealed, string(k1)) || bytes.Contains([]byte(sealed), k1) {
			t.Error("the hash key is stored in clear")
		}
		// Without the secrets key the stored key cannot be used.
		stranger := sharing.NewService(db, w.Log, w.Org, w.Cat, w.Lists)
		if _, err := stranger.HashKey(ctx, rsj); err == nil {
			t.Error("a service with another secrets key opened the hash key")
		}

		g := w.grantPopulation(sharing.DeliveryAPI, "id_number", "name")
		d, err := w.Sharing.Check(ctx, sharing.Access{Path: sharing.PathService, Department: rsj, Code: w.Code["gaj"], GrantID: g.ID})
		if err != nil || !bytes.Equal(d.HashKey, k1) {
			t.Errorf("the decision's hash key %x, want the consumer's %x: %v", d.HashKey, k1, err)
		}
	})
}
