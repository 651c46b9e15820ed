//! The model's clients and the actor type that holds servers and clients.
//!
//! A client runs a fixed script of register operations, one at a time:
//! operation `k` (request id `k + 1`) goes to server `(index + k) % N`, so a
//! client's read usually lands on a different server than its write.
//! stateright's own `RegisterActor` client always does `Put`s then one
//! `Get`; a script lets each model choose exactly the operations it needs,
//! which matters when every extra command multiplies the state space.

use std::borrow::Cow;

use protocols::Core;
use stateright::actor::register::RegisterMsg;
use stateright::actor::{Actor, Id, Out};

use crate::adapter::{CoreActor, ModelMsg, ServerState};
use crate::host::Stored;
use crate::register::RegOp;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientActor {
    pub script: Vec<RegOp>,
    pub servers: usize,
    /// Added to the server index each operation goes to.
    pub entry: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientState {
    /// How many operations of the script were sent.
    pub sent: usize,
    /// The request id the client waits on.
    pub awaiting: Option<u64>,
}

impl ClientActor {
    /// Sends operation `k` of the script, if there is one.
    fn send_op<M>(
        &self,
        id: Id,
        k: usize,
        o: &mut Out<impl Actor<Msg = RegisterMsg<u64, char, M>>>,
    ) -> ClientState
    where
        M: Clone + std::fmt::Debug + Eq + std::hash::Hash,
    {
        let Some(op) = self.script.get(k) else {
            return ClientState {
                sent: k,
                awaiting: None,
            };
        };
        let request = k as u64 + 1;
        let server = Id::from((usize::from(id) + k + self.entry) % self.servers.max(1));
        let msg = match op {
            RegOp::Put(v) => RegisterMsg::Put(request, *v),
            RegOp::Get => RegisterMsg::Get(request),
        };
        o.send(server, msg);
        ClientState {
            sent: k + 1,
            awaiting: Some(request),
        }
    }
}

/// A model actor: a server (a core and its host) or a client.
pub enum ModelActor<C: Core> {
    Server(CoreActor<C>),
    Client(ClientActor),
}

impl<C: Core> Clone for ModelActor<C> {
    fn clone(&self) -> Self {
        match self {
            ModelActor::Server(s) => ModelActor::Server(s.clone()),
            ModelActor::Client(c) => ModelActor::Client(c.clone()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ActorState<C: Core> {
    Server(ServerState<C>),
    Client(ClientState),
}

impl<C: Core> Actor for ModelActor<C> {
    type Msg = ModelMsg<C>;
    type Timer = C::Timer;
    type State = ActorState<C>;
    type Storage = Stored<C::Durable>;
    type Random = ();

    fn on_start(&self, id: Id, storage: &Option<Self::Storage>, o: &mut Out<Self>) -> Self::State {
        match self {
            ModelActor::Server(server) => {
                let mut out = Out::new();
                let state = server.on_start(id, storage, &mut out);
                o.append(&mut out);
                ActorState::Server(state)
            }
            ModelActor::Client(client) => ActorState::Client(client.send_op(id, 0, o)),
        }
    }

    fn on_msg(
        &self,
        id: Id,
        state: &mut Cow<Self::State>,
        src: Id,
        msg: Self::Msg,
        o: &mut Out<Self>,
    ) {
        match (self, &**state) {
            (ModelActor::Server(server), ActorState::Server(st)) => {
                let mut st = Cow::Borrowed(st);
                let mut out = Out::new();
                server.on_msg(id, &mut st, src, msg, &mut out);
                if let Cow::Owned(st) = st {
                    *state = Cow::Owned(ActorState::Server(st));
                }
                o.append(&mut out);
            }
            (ModelActor::Client(client), ActorState::Client(st)) => {
                let answered = match msg {
                    RegisterMsg::PutOk(r) | RegisterMsg::GetOk(r, _) => st.awaiting == Some(r),
                    _ => false,
                };
                if answered {
                    let next = client.send_op(id, st.sent, o);
                    *state = Cow::Owned(ActorState::Client(next));
                }
            }
            _ => {}
        }
    }

    fn on_timeout(
        &self,
        id: Id,
        state: &mut Cow<Self::State>,
        timer: &Self::Timer,
        o: &mut Out<Self>,
    ) {
        if let (ModelActor::Server(server), ActorState::Server(st)) = (self, &**state) {
            let mut st = Cow::Borrowed(st);
            let mut out = Out::new();
            server.on_timeout(id, &mut st, timer, &mut out);
            if let Cow::Owned(st) = st {
                *state = Cow::Owned(ActorState::Server(st));
            }
            o.append(&mut out);
        }
    }
}
