package licfile

import "github.com/govshare/govshare/internal/errs"

// The licence file's messages, in English and Chinese.
var (
	msgQR                 = errs.Define("licfile.qr", "the verification address does not fit a QR code", "核验地址过长，无法生成二维码")
	msgEvidenceIncomplete = errs.Define("licfile.evidence_incomplete", "the ledger evidence needs the checkpoint and the proof with its entry", "存证证据须含检查点及带记录的包含证明")
	msgNotPDF             = errs.Define("licfile.not_pdf", "the file is not a licence PDF this verifier can read", "该文件不是可识别的电子证照 PDF 文件")
	msgAnnotationField    = errs.Define("licfile.annotation_field", "the annotation needs %s", "加注须含%s")
	msgPurposeLength      = errs.Define("licfile.purpose_length", "the purpose (事由) must be at most %d characters", "用证事由最多 %d 个字")
	msgValidUntil         = errs.Define("licfile.valid_until", "the annotated copy must be valid until a time after it is made", "加注件有效期须晚于制作时间")

	// What the verifier finds.
	msgNoSignature     = errs.Define("licfile.no_signature", "the file carries no signature", "文件未签章")
	msgBadSignature    = errs.Define("licfile.bad_signature", "signature %d is malformed: %s", "第 %d 个签章格式有误：%s")
	msgTampered        = errs.Define("licfile.tampered", "the file was altered after it was signed: the signature of %s does not match the signed bytes", "文件在签章后被篡改：%s 的签章与所签内容不符")
	msgUnknownSigner   = errs.Define("licfile.unknown_signer", "the file is signed by %s, whose certificate does not chain to the given CA", "文件由%s签章，其证书不属于给定的 CA")
	msgChangedAfter    = errs.Define("licfile.changed_after", "the file was changed after its last signature: object %d is not ledger evidence", "文件在最后一次签章后被修改：对象 %d 不是存证证据")
	msgIssuerMismatch  = errs.Define("licfile.issuer_mismatch", "the licence is sealed by %s (%s), not by its issuer %s (%s)", "证照由%s（%s）签章，而非其颁发机构%s（%s）")
	msgNoData          = errs.Define("licfile.no_data", "the issuer's signed revision carries no licence data", "颁发机构签章的版本不含证照数据")
	msgNoEvidence      = errs.Define("licfile.no_evidence", "no ledger evidence attached: only the signature was checked", "文件未附存证证据：仅核验了签章")
	msgBadEvidence     = errs.Define("licfile.bad_evidence", "the ledger evidence is malformed: %s", "存证证据格式有误：%s")
	msgDataMismatch    = errs.Define("licfile.data_mismatch", "the licence data in the file hashes to %s, but the ledger event names %s", "文件中证照数据的哈希为 %s，而存证事件记载的是 %s")
	msgEventLicence    = errs.Define("licfile.event_licence", "the ledger event is about licence %s, not this file's %s", "存证事件所指证照为 %s，而非本文件的 %s")
	msgEventRecord     = errs.Define("licfile.event_record", "the ledger record the proof is for is not the attached event", "包含证明所对应的账本记录不是所附事件")
	msgCheckpointKeys  = errs.Define("licfile.checkpoint_keys", "the checkpoint does not verify with the given log keys: %s", "检查点未通过给定账本公钥的验证：%s")
	msgUseExpired      = errs.Define("licfile.use_expired", "the annotated copy for use %s was valid until %s: it may no longer be used", "用证记录 %s 的加注件有效期至 %s，已过期，不得再使用")
	msgNotPlatformSeal = errs.Define("licfile.not_platform_seal", "a later seal of the file is %s's, not a platform's own: only a platform certifies a use", "文件后续签章属于%s，而非平台自身：只有平台能为用证加注签章")
	msgProofTree       = errs.Define("licfile.proof_tree", "the inclusion proof does not hold for the checkpoint: %s", "包含证明与检查点不符：%s")

	// What held.
	msgIssuerSealHeld   = errs.Define("licfile.issuer_seal_held", "the issuer's seal (%s) holds over the first %d bytes, and its certificate chains to the CA", "颁发机构%s的签章覆盖文件前 %d 字节且有效，其证书属于给定的 CA")
	msgPlatformSealHeld = errs.Define("licfile.platform_seal_held", "the platform's seal (%s) over the annotated copy holds over the first %d bytes, and its certificate chains to the CA", "平台%s对加注件的签章覆盖文件前 %d 字节且有效，其证书属于给定的 CA")
	msgNoChanges        = errs.Define("licfile.no_changes", "nothing but ledger evidence follows the last signature", "最后一次签章后仅附加了存证证据")
	msgDataFound        = errs.Define("licfile.data_found", "the signed data of licence %s hashes (SM3) to %s", "证照 %s 的签章数据 SM3 哈希为 %s")
	msgEventHeld        = errs.Define("licfile.event_held", "the ledger event (%s, version %s) names this data, and the proof is for its record", "存证事件（%s，版本 %s）记载的正是本数据，包含证明对应其记录")
	msgCheckpointHeld   = errs.Define("licfile.checkpoint_held", "the checkpoint of %s (tree of %d) is signed by the given log keys", "%s 的检查点（树大小 %d）经给定账本公钥验证有效")
	msgIssuerHeld       = errs.Define("licfile.issuer_held", "the issuer's seal is that of the licence's issuer, %s", "颁发机构签章确属证照的颁发机构%s")
	msgUseValid         = errs.Define("licfile.use_valid", "the annotated copy for use %s by %s is valid until %s", "用证记录 %s（%s）的加注件有效期至 %s")
	msgIncluded         = errs.Define("licfile.included", "the event's record is leaf %d of the checkpoint's tree of %d", "存证事件记录为叶子 %d，位于该检查点大小为 %d 的树中")
)
