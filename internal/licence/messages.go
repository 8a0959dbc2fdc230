package licence

import (
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
)

// The licence library's messages, in English and Chinese.
var (
	msgIDTooLong       = errs.Define("licence.id.too_long", "a licence identifier has at most %d characters", "电子证照标识最多 %d 个字符")
	msgIDForm          = errs.Define("licence.id.form", "must be a licence identifier (GB/T 36904): %s.type.issuer.serial.version.check", "须为电子证照标识（GB/T 36904）：%s.类型代码.颁发机构代码.流水号.版本号.校验位")
	msgIDCheckForm     = errs.Define("licence.id.check_form", "the check character must be one of 0-9 and A-Z", "校验位须为 0-9 或 A-Z 中的一个字符")
	msgIDCheck         = errs.Define("licence.id.check", "check character is %q, want %q (ISO 7064 MOD 37,36)", "校验位是“%s”，应为“%s”（ISO 7064 MOD 37,36）")
	msgIDIssuer        = errs.Define("licence.id.issuer", "issuer code: %s", "颁发机构代码：%s")
	msgIDSerial        = errs.Define("licence.id.serial", "the serial must be 1 to %d of 0-9 and A-Z", "流水号须为 1 至 %d 位数字或大写字母")
	msgIDVersion       = errs.Define("licence.id.version", "the version must be three digits from 001", "版本号须为 001 起的三位数字")
	msgTypeCodeForm    = errs.Define("licence.type.code_form", "a licence type code is 21 characters: a unified social credit code and three digits", "证照类型代码为 21 位：统一社会信用代码加三位数字")
	msgTypeCodeDefiner = errs.Define("licence.type.code_definer", "licence type code: %s", "证照类型代码：%s")
	msgIDOtherType     = errs.Define("licence.id.other_type", "the identifier names type %s, not %s", "标识中的类型代码是 %s，而不是 %s")
	msgIDOtherIssuer   = errs.Define("licence.id.other_issuer", "the identifier names issuer %s, not the type's issuing department %s", "标识中的颁发机构代码是 %s，而不是该证照类型的颁发部门 %s")
	msgIDFirstVersion  = errs.Define("licence.id.first_version", "a licence is issued as version 001", "新发证照的版本号须为 001")

	msgRequired        = errs.Define("licence.field.required", "is required", "必填")
	msgMaxChars        = errs.Define("licence.field.max_chars", "must be at most %d characters", "最多 %d 个字")
	msgText            = errs.Define("licence.field.text", "must be valid UTF-8 text", "须为有效的 UTF-8 文本")
	msgControl         = errs.Define("licence.field.control", "must not contain control characters", "不得含控制字符")
	msgDate            = errs.Define("licence.field.date", "must be a date, YYYY-MM-DD", "须为日期，格式 YYYY-MM-DD")
	msgNumber          = errs.Define("licence.field.number", "must be a decimal number", "须为十进制数")
	msgFutureIssue     = errs.Define("licence.issued_on.future", "must not be after today", "不能晚于今天")
	msgUntilBeforeFrom = errs.Define("licence.valid_until.before", "must not be before the start of validity", "不能早于有效期起始日期")
	msgUnknownItem     = errs.Define("licence.item.unknown", "is not a surface item of type %s", "不是证照类型 %s 的照面信息项")
	msgHolderIDForm    = errs.Define("licence.holder_id.form", "must be a citizen ID number or a unified social credit code", "须为公民身份号码或统一社会信用代码")

	msgSequence       = errs.Define("licence.type.sequence", "must be three digits", "须为三位数字")
	msgHolderKind     = errs.Define("licence.type.holder_kind", "must be person or entity", "须为自然人（person）或法人（entity）")
	msgValidityYears  = errs.Define("licence.type.validity", "must be 0 (long-term) to 100 years", "须为 0（长期）至 100 年")
	msgItemsCount     = errs.Define("licence.type.items", "a type has 1 to %d surface items", "证照类型须有 1 至 %d 个照面信息项")
	msgItemCode       = errs.Define("licence.type.item_code", "must be 1 to 40 of a-z, 0-9 and _, starting with a letter, and not a licence field's name", "须为 1 至 40 位小写字母、数字或下划线，以字母开头，且不得与证照自身字段同名")
	msgItemTwice      = errs.Define("licence.type.item_twice", "item %s is defined twice", "信息项 %s 重复定义")
	msgItemType       = errs.Define("licence.type.item_type", "must be one of %s", "须为 %s 之一")
	msgItemMask       = errs.Define("licence.type.item_mask", "must be a masking rule: %s", "须为脱敏规则：%s")
	msgDeptCreditCode = errs.Define("licence.type.dept_code", "%s has no valid unified social credit code to define licence types under", "%s 没有有效的统一社会信用代码，无法定义证照类型")
	msgTypeCodesUsed  = errs.Define("licence.type.codes_used", "the department has used all 999 type codes", "本部门的 999 个证照类型代码已用完")
	msgTypeExists     = errs.Define("licence.type.exists", "type %s exists already", "证照类型 %s 已存在")
	msgTypeNotFound   = errs.Define("licence.type.not_found", "no licence type %s", "证照类型 %s 不存在")

	msgDefineRole    = errs.Define("licence.role.define", "only a department's administrator or cataloger defines its licence types", "仅部门管理员或编目员可定义本部门的证照类型")
	msgIssueRole     = errs.Define("licence.role.issue", "only an administrator or cataloger of the issuing department (%s) issues, changes and revokes its licences", "仅颁发部门（%s）的管理员或编目员可签发、变更和注销其证照")
	msgReadRole      = errs.Define("licence.role.read", "only the issuing department (%s) reads a licence's data; other departments verify it or use it with the holder's authorisation", "仅颁发部门（%s）可查阅证照数据；其他部门可核验证照，或经持证人授权用证")
	msgListRole      = errs.Define("licence.role.list", "only a department's staff list the licences it issued", "仅部门工作人员可查阅本部门签发的证照")
	msgVerifyRole    = errs.Define("licence.role.verify", "only a department's user verifies licences", "仅部门用户可核验证照")
	msgUseRole       = errs.Define("licence.role.use", "only a data consumer of a department uses licences", "仅部门的数据使用者可用证")
	msgAuthoriseRole = errs.Define("licence.role.authorise", "only the issuing department (%s) issues the holder's authorisation codes", "仅颁发部门（%s）可为持证人开具授权码")

	msgDuplicate       = errs.Define("licence.duplicate", "another licence has this %s", "已有证照使用该%s")
	msgDuplicateAny    = errs.Define("licence.duplicate_any", "licence %s is issued already", "证照 %s 已签发")
	msgDuplicateIssued = errs.Define("licence.duplicate_issued", "a licence already issued has this %s", "已签发的证照使用了该%s")
	msgDuplicateRow    = errs.Define("licence.duplicate_row", "the %s is that of row %d", "该%s与第 %d 行重复")
	msgLicenceNotFound = errs.Define("licence.not_found", "no such licence", "证照不存在")
	msgNoDepartment    = errs.Define("licence.department.not_found", "no such department", "部门不存在")

	msgReason         = errs.Define("licence.reason", "must be one of %s", "须为 %s 之一")
	msgStatusMove     = errs.Define("licence.status.move", "a licence that is %s cannot become %s", "%s的证照不能改为%s")
	msgMovedMeanwhile = errs.Define("licence.status.meanwhile", "the licence changed meanwhile; read it again", "证照已被他人修改，请重新读取")
	msgChangeStatus   = errs.Define("licence.change.status", "a licence that is %s cannot be changed", "%s的证照不能变更")
	msgVersions       = errs.Define("licence.change.versions", "the licence has used all 999 versions", "该证照的 999 个版本号已用完")
	msgNotValid       = errs.Define("licence.not_valid", "the licence is %s", "该证照%s")

	msgVerifyWhat  = errs.Define("licence.verify.what", "give an identifier, or a holder's ID number and a type", "请提供电子证照标识，或持证主体代码与证照类型")
	msgRateLimited = errs.Define("licence.rate_limited", "too many requests; try again shortly", "请求过于频繁，请稍后再试")

	msgAuthRequired  = errs.Define("licence.use.auth_required", "the holder's authorisation code is required", "须提供持证人的授权码")
	msgAuthForm      = errs.Define("licence.use.auth_form", "an authorisation code is %d letters and digits", "授权码为 %d 位字母和数字")
	msgAuthUnknown   = errs.Define("licence.use.auth_unknown", "the authorisation code is not one the holder was given for this licence", "该授权码不是持证人为此证照取得的授权码")
	msgAuthUsed      = errs.Define("licence.use.auth_used", "the authorisation code was used already", "该授权码已使用")
	msgAuthExpired   = errs.Define("licence.use.auth_expired", "the authorisation code has expired", "该授权码已过期")
	msgAuthOtherDept = errs.Define("licence.use.auth_other_dept", "the authorisation code is for another department", "该授权码授权给其他部门")

	msgFilesUnavailable = errs.Define("licence.files_unavailable", "licence files are not available on this platform yet", "本平台尚未提供电子证照文件")
	msgCopyFailed       = errs.Define("licence.copy_failed", "the annotated copy could not be made; the use is recorded", "加注件未能生成；用证已记录")
	msgNoCheckpointYet  = errs.Define("licence.no_checkpoint_yet", "the licence's record is not in a published checkpoint yet; try again in a second", "证照记录尚未进入已发布的检查点，请稍后再试")

	msgFormat         = errs.Define("licence.import.format", "must be csv or xlsx", "须为 csv 或 xlsx")
	msgFileUnreadable = errs.Define("licence.import.unreadable", "the file cannot be read as the format given", "无法按所给格式读取该文件")
	msgNoHeader       = errs.Define("licence.import.no_header", "the file is empty: row 1 names the columns", "文件为空：第 1 行应为列名")
	msgNoRows         = errs.Define("licence.import.no_rows", "the file has no licence rows", "文件中没有证照行")
	msgCSVRow         = errs.Define("licence.import.csv_row", "line %d is not valid CSV", "第 %d 行不是有效的 CSV")
	msgExtraCells     = errs.Define("licence.import.extra_cells", "the row has cells beyond the %d columns named in row 1", "该行的单元格多于第 1 行所列的 %d 列")
	msgUnknownColumn  = errs.Define("licence.import.unknown_column", "column %d (%s) is not a field of type %s", "第 %d 列（%s）不是证照类型 %s 的字段")
	msgColumnTwice    = errs.Define("licence.import.column_twice", "column %s is named twice", "列 %s 重复")
	msgMissingColumn  = errs.Define("licence.import.missing_column", "the required column %s is missing", "缺少必需的列 %s")
	msgImportProblems = errs.Define("licence.import.problems", "%d problems; nothing was imported", "共 %d 处问题，未导入任何证照")

	wordIdentifier = errs.Define("licence.word.identifier", "identifier", "电子证照标识")
	wordNumber     = errs.Define("licence.word.number", "number", "证照编号")

	// statusWords say a licence's status; the English is the code.
	statusWords = audit.DefineCodes("licence.status",
		audit.Words{Valid, "valid", "有效"},
		audit.Words{Expired, "expired", "已过期"},
		audit.Words{Revoked, "revoked", "已注销"},
		audit.Words{Suspended, "suspended", "已暂停"})
	// reasonWords say a verification's reason.
	reasonWords = audit.DefineCodes("licence.verdict",
		audit.Words{ReasonValid, "the licence is valid", "证照有效"},
		audit.Words{ReasonRevoked, "the licence is revoked", "证照已注销"},
		audit.Words{ReasonSuspended, "the licence is suspended", "证照已暂停"},
		audit.Words{ReasonExpired, "the licence has expired", "证照已过期"},
		audit.Words{ReasonSuperseded, "a newer version replaced this one", "该版本已被变更后的新版本取代"},
		audit.Words{ReasonNotFound, "no such licence", "未找到该证照"})
)
