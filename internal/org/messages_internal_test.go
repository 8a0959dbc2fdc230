package org

import (
	"testing"

	"github.com/govshare/govshare/internal/errs"
)

// A role in a refusal is its code in English, as the API has always said
// it, and its name in Chinese.
func TestRoleInAMessage(t *testing.T) {
	err := errs.FieldMsg("roles", msgDeptRoleAlone, roleCode(Cataloger))
	for _, c := range []struct{ lang, want string }{
		{"en", "roles: cataloger is a department role; the user belongs to no department"},
		{"zh-CN", "roles：编目员是部门角色，而该用户不属于任何部门"},
	} {
		if _, got, _ := errs.PublicIn(err, c.lang); got != c.want {
			t.Errorf("%s: %q, want %q", c.lang, got, c.want)
		}
	}
	if got := roleCode("nosuch").In("zh-CN"); got != "nosuch" {
		t.Errorf("an unknown role in Chinese: %q", got)
	}
}
