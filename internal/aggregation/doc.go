// Package aggregation runs aggregation mandates (归集任务): the second basis,
// beside a sharing grant, on which the platform moves a table.
//
// The data authority (数据主管部门, a department of kind org.KindAuthority)
// asks a provider department to aggregate a published catalog entry into the
// authority's shared store. An approver of the authority creates the
// mandate: the entry, the items, the target (a datasource of the authority,
// on the platform or on one of its front-end nodes, and a table), the mode,
// the schedule and the basis (归集依据). An approver of the provider
// confirms or refuses it; only a confirmed mandate makes the platform
// create the channel, as org.System with the mandate's id recorded on it.
// Either side's approver revokes it, which stops its channels.
//
//	m, err := svc.Create(ctx, authorityApprover, aggregation.Input{EntryCode: code, Items: []string{"name", "gender"},
//		Target: exchange.TableRef{Datasource: "xzsp-共享库", Table: "gaj_population"}, Mode: exchange.Full, Schedule: "0 2 * * *", Basis: "..."})
//	m, err = svc.Confirm(ctx, providerApprover, m.ID) // m.ChannelID: the channel delivering it
//
// The channel carries only the mandated items (and the entry's key items,
// hashed when not mandated, so that rows stay distinct), shaped as a
// grant's channel is (sharing.ItemsShape). The mandated items travel in
// clear: aggregation copies the source of record into the authority's
// store, and masking applies when the authority shares it onward. Items on
// the negative list (负面清单) never travel unless the listing allows
// aggregation with its basis (lists.Negative.AllowAggregation): a mandate
// naming one is refused, and an item listed after confirmation is left out
// from the next batch on.
//
// Service.Shape is the exchange manager's Mandate option: the manager asks
// it before each pass and each batch, so a revoked mandate, an unpublished
// entry or a consumer that is not the mandate's authority stops the channel.
package aggregation
