package exchange

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Link places the two sides of the Engine's channels on the path of a
// federated platform (architecture §2): the extractor publishes into a
// stream on the provider node's own JetStream domain, the platform's hub
// holds one stream per channel that sources it, and the consumer node holds
// one stream per channel that sources the hub's; the applier consumes that
// last stream, on the consumer node. Every hop is a stream sourcing another
// through a durable push consumer on the upstream side (durable sourcing,
// which resumes within about 0.1 s after either end restarts, where the
// default ephemeral sourcing may wait 30 to 40 s), so a batch is acknowledged
// to the hop before it only once it is stored, and a hop that is down only
// delays the batches: the provider's JetStream keeps accepting while the hub
// is away, and the hub keeps accepting while the consumer node is.
//
// An Engine with a Link runs one side: Extract on the provider node (its
// JetStream is the provider's), Apply and Drain on the consumer node (its
// JetStream is the consumer's). Route, from a connection that reaches all
// three domains (the platform's), creates the hub's stream and the sourcing
// consumers of a channel; run it before the sides start.
//
// Names, for a channel ch of a provider domain p (Options.Stream S, Subject
// X, Bucket B):
//
//	provider  stream S (subjects X.p.>), bucket B_p, consumer "hub_ch" delivering to X_deliver.p.ch
//	hub       stream S_HUB_ch, sourcing S@p through hub_ch; consumer "to_c" delivering to X_deliver.hub.c.ch
//	consumer  stream S_IN_ch, sourcing S_HUB_ch@hub through out_ch; the applier's pull consumer apply_ch
//
// The hub's and the consumer's streams listen to no subject of their own:
// leaf connections carry subject interest between servers, so a stream
// listening to the provider's subjects on another server would store the
// provider's batches a second time. For the same reason each provider's
// subjects and bucket carry its domain. The deliver subjects carry the domain
// of the node that sends (provider p) or receives (consumer c) them, so that
// a node's leaf connection can be allowed exactly its own (DeliverSubjects).
type Link struct {
	Provider string // JetStream domain of the provider node
	Hub      string // JetStream domain of the platform; default "hub"
	Consumer string // JetStream domain of the consumer node
}

var domainName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func (l Link) validate() error {
	var errs []error
	for _, d := range []struct{ what, name string }{{"provider", l.Provider}, {"hub", l.Hub}, {"consumer", l.Consumer}} {
		if !domainName.MatchString(d.name) {
			errs = append(errs, fmt.Errorf("%s domain %q: want 1 to 64 letters, digits, _ or -", d.what, d.name))
		}
	}
	if l.Provider == l.Hub || l.Consumer == l.Hub {
		errs = append(errs, fmt.Errorf("the nodes' domains must differ from the hub's %q", l.Hub))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("exchange: link: %w", err)
	}
	return nil
}

// OutConsumer is the name of the hub's consumer, on each stream at the hub,
// through which consumer domain c sources it. It names the node rather than
// the channel so that the node's leaf connection can be allowed to reset
// exactly its own consumers (node.LeafPermissions).
func OutConsumer(c string) string { return "to_" + c }

// DefaultSubject is the exchange's subject prefix unless Options.Subject
// says otherwise.
const DefaultSubject = "govshare.exchange"

// DeliverSubjects are, for the default subject prefix, the subjects on
// which node domain's sourcing consumers deliver to the hub (send) and the
// hub's deliver to the node (receive), as wildcards.
func DeliverSubjects(domain string) (send, receive string) {
	return DefaultSubject + "_deliver." + domain + ".>", DefaultSubject + "_deliver." + HubDomain + "." + domain + ".>"
}

func (e *Engine) hubStream(id string) string { return e.o.Stream + "_HUB_" + id }
func (e *Engine) inStream(id string) string  { return e.o.Stream + "_IN_" + id }

// applyStream is the stream the applier of a channel consumes.
func (e *Engine) applyStream(id string) string {
	if e.o.Link != nil {
		return e.inStream(id)
	}
	return e.o.Stream
}

// providerStreamConfig is the stream the extractor publishes to.
func (e *Engine) providerStreamConfig(replicas int) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Replicas:    replicas,
		Name:        e.o.Stream,
		Description: "govshare exchange: table batches, one subject per channel",
		Subjects:    []string{e.prefix + ".>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      e.o.MaxAge,
		Duplicates:  e.o.Duplicates,
		Discard:     jetstream.DiscardOld,
	}
}

// sourcedConfig is a stream that only sources another, through a durable
// push consumer on it.
func (e *Engine) sourcedConfig(name, desc, from, domain, consumer, deliver string, replicas int) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Replicas:    replicas,
		Name:        name,
		Description: desc,
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      e.o.MaxAge,
		Duplicates:  e.o.Duplicates,
		Discard:     jetstream.DiscardOld,
		Sources: []*jetstream.StreamSource{{
			Name:     from,
			Domain:   domain,
			Consumer: &jetstream.StreamConsumerSource{Name: consumer, DeliverSubject: deliver},
		}},
	}
}

// sourcingInFlight is the most batches a sourcing consumer has in flight.
const sourcingInFlight = 4

// sourcingConsumer is the durable push consumer a downstream stream sources
// through, as stack.md found it to recover fastest: flow-control acks and a
// heartbeat every second.
func sourcingConsumer(name, deliver, filter, desc string) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:        name,
		Description:    desc,
		DeliverSubject: deliver,
		FilterSubject:  filter,
		AckPolicy:      jetstream.AckFlowControlPolicy,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		IdleHeartbeat:  time.Second,
		// Without a bound a push consumer keeps up to 1,000 batches in
		// flight (the server's default), which a hop that lags then holds in
		// memory: 150 MB of 1,000-row batches. 32 keep the link busy.
		MaxAckPending: sourcingInFlight,
	}
}

// Route creates, along the Engine's Link, what carries a channel from the
// provider node to the consumer node: the provider's stream (as Extract
// creates it), its sourcing consumer, the hub's stream, the hub's sourcing
// consumer and the consumer node's stream. The Engine's JetStream must
// reach all three domains (a client of the hub's server does). Route is
// idempotent; it changes nothing for a channel already routed the same way.
func (e *Engine) Route(ctx context.Context, ch Channel) error {
	if e.o.Link == nil {
		return errors.New("exchange: Route needs Options.Link")
	}
	if err := ch.Validate(); err != nil {
		return err
	}
	l := *e.o.Link
	c, ok := e.js.(interface{ Conn() *nats.Conn })
	if !ok || c.Conn() == nil {
		return errors.New("exchange: Route needs a JetStream context with a connection")
	}
	in := func(domain string) (jetstream.JetStream, error) { return jetstream.NewWithDomain(c.Conn(), domain) }
	prov, err := in(l.Provider)
	if err != nil {
		return err
	}
	hub, err := in(l.Hub)
	if err != nil {
		return err
	}
	cons, err := in(l.Consumer)
	if err != nil {
		return err
	}
	id := ch.ID
	toHub, toHubSubj := "hub_"+id, e.o.Subject+"_deliver."+l.Provider+"."+id
	out, outSubj := OutConsumer(l.Consumer), e.o.Subject+"_deliver."+l.Hub+"."+l.Consumer+"."+id
	steps := []struct {
		what string
		do   func() error
	}{
		{"provider stream", func() error { _, err := prov.CreateOrUpdateStream(ctx, e.providerStreamConfig(1)); return err }},
		{"provider's sourcing consumer", func() error {
			cc := sourcingConsumer(toHub, toHubSubj, e.subject(id), "govshare exchange: channel "+id+" to the hub")
			_, err := prov.CreateOrUpdatePushConsumer(ctx, e.o.Stream, cc)
			return err
		}},
		{"hub stream", func() error {
			_, err := hub.CreateOrUpdateStream(ctx, e.sourcedConfig(e.hubStream(id), "govshare exchange: channel "+id+" at the hub",
				e.o.Stream, l.Provider, toHub, toHubSubj, e.o.Replicas))
			return err
		}},
		{"hub's sourcing consumer", func() error {
			cc := sourcingConsumer(out, outSubj, "", "govshare exchange: channel "+id+" to the consumer node")
			_, err := hub.CreateOrUpdatePushConsumer(ctx, e.hubStream(id), cc)
			return err
		}},
		{"consumer stream", func() error {
			_, err := cons.CreateOrUpdateStream(ctx, e.sourcedConfig(e.inStream(id), "govshare exchange: channel "+id+" at the consumer node",
				e.hubStream(id), l.Hub, out, outSubj, 1))
			return err
		}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return fmt.Errorf("exchange: route channel %q: %s: %w", id, s.what, err)
		}
	}
	// Channels routed before the hub's consumers were named for the
	// consumer node had one named for the channel; the consumer stream now
	// sources the new one (the applier skips what it already applied).
	if err := hub.DeleteConsumer(ctx, e.hubStream(id), "out_"+id); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("exchange: route channel %q: remove the hub's former consumer: %w", id, err)
	}
	return nil
}
