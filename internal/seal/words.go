package seal

import (
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
)

// The audit log's words for this package's actions and records.
func init() {
	audit.DefineActions(
		audit.Words{"seal.ca.create", "create the seal CA", "创建电子印章证书颁发机构"},
		audit.Words{"seal.create", "make a seal key and its certificate", "制发电子印章密钥及证书"},
	)
	audit.DefineTarget("seal", "seal", "电子印章")
}

// The audit log's details of this package's actions (audit.Keyed).
var (
	auditCA   = errs.Define("seal.audit.ca", "%s, certificate fingerprint %s", "%s，证书指纹 %s")
	auditSeal = errs.Define("seal.audit.seal", "seal of %s, certificate serial %s, fingerprint %s", "%s的电子印章，证书序列号 %s，指纹 %s")
)
