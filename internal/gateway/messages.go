package gateway

import "github.com/govshare/govshare/internal/errs"

// The messages of apps (应用) and data services (数据服务), in English and
// Chinese. The English wording is the one the API has always answered (and
// the one clients' scripts match); the Chinese is said to a reader who asks
// for it (Accept-Language) and in the console.
var (
	msgAppName        = errs.Define("gateway.app.name", "1 to 64 characters", "1 至 64 个字")
	msgAppSignMethod  = errs.Define("gateway.app.sign_method", "want %s or %s", "请选择 %s 或 %s")
	msgAppRateLimit   = errs.Define("gateway.app.rate_limit", "0 to 10000 requests per second, burst 0 to 10000", "每秒 0 至 10000 次请求，突发 0 至 10000 次")
	msgAppNotFound    = errs.Define("gateway.app.not_found", "app not found", "应用不存在")
	msgAppIDNotFound  = errs.Define("gateway.app.id_not_found", "app %d not found", "应用 %d 不存在")
	msgAppState       = errs.Define("gateway.app.state", "want active or disabled", "须为启用或停用")
	msgSecretShown    = errs.Define("gateway.app.secret_shown", "the secret of app %d has been shown already; rotate it to get a new one", "应用 %d 的密钥已显示过；如需新密钥请重置")
	msgAppNotConsumer = errs.Define("gateway.app.not_consumer", "app %d is not %s's", "应用 %d 不属于%s")
	msgAppDisabled    = errs.Define("gateway.app.disabled", "app %s is disabled", "应用 %s 已停用")

	msgTooManyParams  = errs.Define("gateway.query.too_many", "too many query parameters: at most %d filters, with page, page_size and fields", "查询参数过多：最多 %d 个筛选条件，另加 page、page_size 和 fields")
	msgParamName      = errs.Define("gateway.query.param_name", "malformed parameter name", "参数名格式有误")
	msgEqTwice        = errs.Define("gateway.query.eq_twice", "equality given twice: use %s.in=a,b to match one of several values", "等值条件重复：匹配多个值之一请用 %s.in=a,b")
	msgGivenTwice     = errs.Define("gateway.query.twice", "given twice", "重复给出")
	msgPage           = errs.Define("gateway.query.page", "want a page number from 1 to %d", "页码须在 1 至 %d 之间")
	msgPageSize       = errs.Define("gateway.query.page_size", "want a page size from 1 to %d", "每页条数须在 1 至 %d 之间")
	msgNotIdentifier  = errs.Define("gateway.query.not_identifier", "%q is not an item identifier", "“%s”不是信息项标识符")
	msgFieldTwice     = errs.Define("gateway.query.field_twice", "%s is listed twice", "%s 重复列出")
	msgTooManyFilters = errs.Define("gateway.query.too_many_filters", "too many filters: at most %d", "筛选条件过多：最多 %d 个")
	msgBadIdentifier  = errs.Define("gateway.query.bad_identifier", "%q is not an item identifier (a letter or _, then up to 63 letters, digits or _)", "“%s”不是信息项标识符（以字母或 _ 开头，其后最多 63 个字母、数字或 _）")
	msgOpEq           = errs.Define("gateway.query.op_eq", "unknown operator eq: write %s=value", "不支持运算符 eq：请写作 %s=值")
	msgNeedsValue     = errs.Define("gateway.query.needs_value", "needs a value", "缺少取值")
	msgUnknownOp      = errs.Define("gateway.query.unknown_op", "unknown operator %q: want in, gt, gte, lt, lte or prefix after the item, or item=value", "不支持运算符“%s”：信息项后可用 in、gt、gte、lt、lte 或 prefix，或写作 信息项=值")
	msgNeedsValues    = errs.Define("gateway.query.needs_values", "needs at least one value", "至少需要一个取值")
	msgTooManyValues  = errs.Define("gateway.query.too_many_values", "too many values: at most %d", "取值过多：最多 %d 个")
	msgEmptyValue     = errs.Define("gateway.query.empty_value", "an empty value in the list", "列表中有空值")
	msgValueTooLong   = errs.Define("gateway.query.value_long", "value too long: at most %d bytes", "取值过长：最多 %d 字节")
	msgPercent        = errs.Define("gateway.query.percent", "malformed percent-encoding", "百分号编码格式有误")
	msgNotUTF8        = errs.Define("gateway.query.utf8", "value is not valid UTF-8", "取值不是有效的 UTF-8")
	msgNUL            = errs.Define("gateway.query.nul", "value contains a NUL character", "取值含有 NUL 字符")

	msgNonceFull = errs.Define("gateway.nonce.full", "too many requests in the replay window: the nonce store is full", "防重放时间窗内请求过多：随机数存储已满")

	msgMissingHeader   = errs.Define("gateway.sign.missing_header", "missing header %s", "缺少请求头 %s")
	msgSignMethodIn    = errs.Define("gateway.sign.method_in", "unsupported sign method %q in %s (want %s or %s)", "%[2]s 中的签名算法“%[1]s”不受支持（应为 %[3]s 或 %[4]s）")
	msgBadTimestamp    = errs.Define("gateway.sign.timestamp", "bad %s %q: want Unix time in seconds, such as %d", "%s“%s”有误：应为以秒计的 Unix 时间，例如 %d")
	msgClockAhead      = errs.Define("gateway.sign.clock_ahead", "%s is %ds ahead of the server's clock (at most %ds allowed): check the client's clock", "%s 比服务器时钟快 %d 秒（最多允许 %d 秒）：请检查客户端时钟")
	msgClockBehind     = errs.Define("gateway.sign.clock_behind", "%s is %ds behind the server's clock (at most %ds allowed): check the client's clock", "%s 比服务器时钟慢 %d 秒（最多允许 %d 秒）：请检查客户端时钟")
	msgBadNonce        = errs.Define("gateway.sign.nonce", "bad %s: want 8 to 64 characters of A-Z a-z 0-9 _ -, new for every request", "%s 有误：应为 8 至 64 个 A-Z a-z 0-9 _ - 字符，每次请求都须更新")
	msgUnknownAppKey   = errs.Define("gateway.sign.unknown_key", "unknown app key %q", "AppKey“%s”不存在")
	msgWrongMethod     = errs.Define("gateway.sign.wrong_method", "app key %q signs with %s, but the request used %s", "AppKey“%s”应使用 %s 签名，而请求使用了 %s")
	msgSignMethod      = errs.Define("gateway.sign.method", "unsupported sign method %q", "签名算法“%s”不受支持")
	msgSignatureDiffer = errs.Define("gateway.sign.mismatch", "signature does not match: the server signed %q with %s under the app's secret; compare it with the string the client signed", "签名不符：服务器以应用密钥、用 %[2]s 签名的字符串为“%[1]s”，请与客户端签名的字符串比对")
	msgNonceUsed       = errs.Define("gateway.sign.nonce_used", "nonce %q was already used: send a new %s with every request", "随机数“%s”已被使用：每次请求都须发送新的 %s")

	msgMethod         = errs.Define("gateway.svc.method", "method %s: data services answer GET (and POST for proxied APIs)", "请求方法 %s：数据服务只接受 GET（代理接口另可 POST）")
	msgBodyTooLarge   = errs.Define("gateway.svc.too_large", "the request body is larger than %d bytes", "请求体超过 %d 字节")
	msgAppRate        = errs.Define("gateway.svc.app_rate", "app %s exceeds its %g requests per second; retry after %s", "应用 %s 超过每秒 %g 次的限额；请在 %s 后重试")
	msgGrantRate      = errs.Define("gateway.svc.grant_rate", "grant %d allows %g requests per second; retry after %s", "授权 %d 每秒最多 %g 次请求；请在 %s 后重试")
	msgProxyEqOnly    = errs.Define("gateway.svc.proxy_eq_only", "%s.%s: a proxied API takes equality parameters only", "%s.%s：代理接口只接受等值参数")
	msgNonceCheck     = errs.Define("gateway.sign.nonce_check", "cannot check the nonce now; retry with a new nonce", "暂时无法校验随机数；请换一个新的随机数重试")
	msgSourceSilent   = errs.Define("gateway.svc.source_silent", "the provider's datasource does not answer", "提供方数据源无应答")
	msgReadBody       = errs.Define("gateway.svc.read_body", "read the request body", "无法读取请求体")
	msgMountedURL     = errs.Define("gateway.svc.mounted_url", "the mounted API's address is not valid", "挂接接口的地址无效")
	msgNotJSONAnswer  = errs.Define("gateway.proxy.not_json", "the provider's API did not answer JSON", "提供方接口的应答不是 JSON")
	msgNodeDidNotPass = errs.Define("gateway.proxy.node_failed", "the provider's node %s did not pass on the call to %s: %s", "提供方前置机 %s 未能转发对 %s 的调用：%s")
	msgAPISilent      = errs.Define("gateway.proxy.silent", "the provider's API does not answer", "提供方接口无应答")
	msgAPIBroke       = errs.Define("gateway.proxy.broke_off", "the provider's API broke off its answer", "提供方接口的应答中断")

	msgNoNode         = errs.Define("gateway.proxy.no_node", "no node of department %s serves %s; declare an http datasource on its node or allow the host with --api-direct-hosts", "%s 没有前置机提供 %s；请在其前置机上声明 HTTP 数据源，或以 --api-direct-hosts 允许该主机")
	msgAnsweredVia    = errs.Define("gateway.proxy.answered_via", "the provider's API answered %d %s (through node %s)", "提供方接口应答 %d %s（经前置机 %s）")
	msgRedirectedAway = errs.Define("gateway.proxy.redirected", "the provider's API redirected to a host not allowed by --api-direct-hosts", "提供方接口重定向到了 --api-direct-hosts 未允许的主机")
	msgAnswered       = errs.Define("gateway.proxy.answered", "the provider's API answered %s", "提供方接口应答 %s")
	msgAnswerTooLarge = errs.Define("gateway.proxy.too_large", "the provider's API answered more than %d MiB", "提供方接口应答超过 %d MiB")
)
