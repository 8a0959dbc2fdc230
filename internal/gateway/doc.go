// Package gateway holds the primitives of the data services (数据服务)
// that applications call with app credentials under /svc/...: request
// signatures, replay protection, per-app rate limits and the parsing of a
// data-service query. It serves no HTTP and keeps no platform state; the
// transport wires these together:
//
//	v := &gateway.Verifier{Nonces: gateway.NewMemoryNonces(0), Lookup: apps.Secret}
//	appKey, err := v.Verify(ctx, r, body) // *errs.Error, code errs.Unauthorized
//	if ok, wait := limiter.Allow(appKey, grant.PerSecond, grant.Burst); !ok { ... 429, Retry-After: wait }
//	q, err := gateway.ParseQuery(r.URL.RawQuery) // errs.Invalid naming the parameter
//
// A client signs a request with SignRequest; PROTOCOL.md describes the
// signature for people who write clients in other languages. Several platform
// replicas share the nonces they have seen through KVNonces, a NATS
// JetStream key-value bucket; a single process may use MemoryNonces.
//
// An entry mounted to an API is answered by calling the provider's API
// through a node of the providing department whose http datasource covers
// the mounted URL (Service.Nodes, a node.Registry), or, when none does,
// directly only for hosts in Service.DirectHosts (--api-direct-hosts);
// any other mounted URL is refused, so that the platform never calls an
// address a cataloger typed into a network it should not reach.
package gateway
