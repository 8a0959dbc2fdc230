// Package mask hides parts of values (脱敏) before they leave the platform.
//
// A rule is one of the catalog's masking values (catalog.Maskings): None,
// Name, IDNumber, Phone, Address, BankCard, Email, Full and Hash. Apply masks
// one value by a rule; it works on runes, so Chinese text is cut between
// characters, never inside one:
//
//	mask.Apply(mask.Name, "张三丰")                 // "张**"
//	mask.Apply(mask.IDNumber, "110105199001010123") // "110105********0123"
//	mask.Apply(mask.Phone, "13800138000")           // "138****8000"
//	mask.Apply(mask.Address, "北京市海淀区中关村大街27号") // "北京市海淀区****"
//	mask.Apply(mask.Hash, "110105199001010123")     // 64 hex digits of SM3
//	mask.Masker{Key: k}.Apply(mask.Hash, "110105199001010123") // 64 hex digits of HMAC-SM3 under k
//
// Data that leaves the platform for a consumer department is masked with
// that department's Masker, whose Key the sharing service keeps sealed: a
// hashed value is stable for one consumer and differs between consumers.
// A catalog item carries a default rule; a grant may keep it or choose a
// stricter one. Level orders the rules (none < the partial rules < hash <
// full) and AtLeast refuses a choice weaker than the default.
package mask
