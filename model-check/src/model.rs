//! A register service on top of any core, as a stateright model: `N`
//! servers (each a [`CoreActor`]) followed by scripted client actors, over a
//! network the protocol's model chooses (unordered and non-duplicating for
//! Multi-Paxos; FIFO channels for Zab).

use protocols::Core;
use stateright::Expectation;
use stateright::actor::{ActorModel, ActorModelState, Network};

use crate::adapter::{CoreActor, ModelMsg, ServerState};
use crate::client::{ActorState, ClientActor, ModelActor};
use crate::history::{self, History};
use crate::properties;
use crate::register::RegOp;

pub type CoreModel<C> = ActorModel<ModelActor<C>, Bounds, History>;
pub type CoreModelState<C> = ActorModelState<ModelActor<C>, History>;

/// What keeps a model finite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bounds {
    pub servers: usize,
    /// One script per client actor (see [`crate::client`]).
    pub clients: Vec<Vec<RegOp>>,
    /// States where any server's `status().epoch` exceeds this are not
    /// explored: leader changes are what make the state space infinite.
    pub max_epoch: u32,
    /// At most this many actors down at once (servers only: a client
    /// restart would re-send its request under the same id).
    pub max_crashes: usize,
    /// Shifts the server each client operation goes to (see
    /// [`crate::client`]): with `0`, client 0's first request goes to `n1`.
    pub entry: usize,
    /// States with more messages in flight than this are not explored: on
    /// FIFO channels, a server that restarts again and again queues the
    /// same announcement again each time (`None`: no bound).
    pub max_in_flight: Option<usize>,
}

/// The state of server `index`, if that actor is a server.
pub fn server<C: Core>(state: &CoreModelState<C>, index: usize) -> Option<&ServerState<C>> {
    match &**state.actor_states.get(index)? {
        ActorState::Server(s) => Some(s),
        ActorState::Client(_) => None,
    }
}

/// Live (not crashed) servers, with their actor index.
pub fn live_servers<'a, C: Core>(
    bounds: &Bounds,
    state: &'a CoreModelState<C>,
) -> impl Iterator<Item = (usize, &'a ServerState<C>)> {
    (0..bounds.servers)
        .filter(|&i| !state.crashed.get(i).copied().unwrap_or(false))
        .filter_map(|i| server(state, i).map(|s| (i, s)))
}

/// Whether `state` is inside `bounds` (a model may narrow this further).
pub fn within_boundary<C: Core>(bounds: &Bounds, state: &CoreModelState<C>) -> bool {
    let clients_up = state.crashed.iter().skip(bounds.servers).all(|c| !c);
    clients_up
        && bounds
            .max_in_flight
            .is_none_or(|limit| state.network.len() <= limit)
        && (0..bounds.servers)
            .filter_map(|i| server(state, i))
            .all(|s| s.core.status().epoch <= bounds.max_epoch)
}

/// The register model over `actor`'s core, with every property of
/// [`crate::properties`].
pub fn build<C: Core>(
    actor: CoreActor<C>,
    bounds: Bounds,
    network: Network<ModelMsg<C>>,
) -> CoreModel<C> {
    let servers = bounds.servers;
    let clients = bounds.clients.clone();
    let crashes = bounds.max_crashes;
    let entry = bounds.entry;
    let model = ActorModel::new(bounds, History::default())
        .actors((0..servers).map(|_| ModelActor::Server(actor.clone())))
        .actors(clients.into_iter().map(|script| {
            ModelActor::Client(ClientActor {
                script,
                servers,
                entry,
            })
        }))
        .init_network(network)
        .max_crashes(crashes)
        .record_msg_out(history::record_invocations)
        .record_msg_in(history::record_returns)
        .within_boundary(within_boundary::<C>)
        .property(Expectation::Always, properties::LINEARIZABLE, |_, s| {
            s.history.is_linearizable()
        })
        .property(
            Expectation::Always,
            properties::AGREEMENT,
            properties::agreement::<C>,
        )
        .property(
            Expectation::Always,
            properties::DURABILITY,
            properties::durability::<C>,
        )
        .property(
            Expectation::Always,
            properties::HOST_CONTRACT,
            properties::host_contract::<C>,
        )
        .property(
            Expectation::Always,
            properties::TERMINAL_DECIDED,
            properties::terminal_decided::<C>,
        )
        .property(
            Expectation::Sometimes,
            properties::VALUE_CHOSEN,
            properties::value_chosen::<C>,
        );
    if crashes == 0 {
        // Shows the terminal-state property is not vacuous: terminal states
        // exist (a model that always has an armed timer would have none).
        // Crash and Recover are always enabled, so a crash model has none.
        model.property(
            Expectation::Sometimes,
            properties::QUIESCENT,
            properties::quiescent::<C>,
        )
    } else {
        model
    }
}
