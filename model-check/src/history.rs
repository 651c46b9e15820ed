//! The register history a model records, for the `linearizable` property.
//!
//! stateright's `RegisterMsg::record_returns` counts *any* `PutOk`/`GetOk`
//! arriving at a client as the return of its operation in flight (bug 7 of
//! the stateright notes: a stray duplicate reply is then recorded as the
//! answer to the next request, a false counterexample). These hooks record a
//! return only when its request id is the one the client is waiting on.

use std::collections::BTreeMap;

use stateright::actor::register::RegisterMsg;
use stateright::actor::{Envelope, Id};
use stateright::semantics::register::{Register, RegisterOp, RegisterRet};
use stateright::semantics::{ConsistencyTester, LinearizabilityTester};

use crate::host::INITIAL_VALUE;

#[derive(Clone, Debug, PartialEq, Hash)]
pub struct History {
    pub tester: LinearizabilityTester<Id, Register<char>>,
    /// The request id each client is waiting on.
    pub in_flight: BTreeMap<Id, u64>,
}

impl Default for History {
    fn default() -> Self {
        History {
            tester: LinearizabilityTester::new(Register(INITIAL_VALUE)),
            in_flight: BTreeMap::new(),
        }
    }
}

impl History {
    pub fn is_linearizable(&self) -> bool {
        self.tester.serialized_history().is_some()
    }

    fn invoke(&self, client: Id, request: u64, op: RegisterOp<char>) -> Option<History> {
        let mut next = self.clone();
        next.in_flight.insert(client, request);
        // An invalid history (a second invocation in flight) makes the
        // tester report "not linearizable", which is what we want to see.
        let _ = next.tester.on_invoke(client, op);
        Some(next)
    }

    fn ret(&self, client: Id, request: u64, ret: RegisterRet<char>) -> Option<History> {
        if self.in_flight.get(&client) != Some(&request) {
            return None;
        }
        let mut next = self.clone();
        next.in_flight.remove(&client);
        let _ = next.tester.on_return(client, ret);
        Some(next)
    }
}

/// For `ActorModel::record_msg_out`: a client's `Put`/`Get` is an invocation.
pub fn record_invocations<Cfg, M>(
    _cfg: &Cfg,
    history: &History,
    env: Envelope<&RegisterMsg<u64, char, M>>,
) -> Option<History> {
    match env.msg {
        RegisterMsg::Put(request, value) => {
            history.invoke(env.src, *request, RegisterOp::Write(*value))
        }
        RegisterMsg::Get(request) => history.invoke(env.src, *request, RegisterOp::Read),
        _ => None,
    }
}

/// For `ActorModel::record_msg_in`: a reply to the request in flight is its
/// return; any other reply is ignored.
pub fn record_returns<Cfg, M>(
    _cfg: &Cfg,
    history: &History,
    env: Envelope<&RegisterMsg<u64, char, M>>,
) -> Option<History> {
    match env.msg {
        RegisterMsg::PutOk(request) => history.ret(env.dst, *request, RegisterRet::WriteOk),
        RegisterMsg::GetOk(request, value) => {
            history.ret(env.dst, *request, RegisterRet::ReadOk(*value))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Msg = RegisterMsg<u64, char, ()>;

    fn env(src: usize, dst: usize, msg: &Msg) -> Envelope<&Msg> {
        Envelope {
            src: Id::from(src),
            dst: Id::from(dst),
            msg,
        }
    }

    #[test]
    fn a_reply_to_another_request_is_not_a_return() {
        let h = History::default();
        let h = record_invocations(&(), &h, env(3, 0, &Msg::Get(6))).expect("invocation");
        assert_eq!(record_returns(&(), &h, env(0, 3, &Msg::PutOk(3))), None);
        let h = record_returns(&(), &h, env(0, 3, &Msg::GetOk(6, '\0'))).expect("return");
        assert!(h.is_linearizable());
    }

    #[test]
    fn a_stale_read_is_not_linearizable() {
        let h = History::default();
        let h = record_invocations(&(), &h, env(3, 0, &Msg::Put(3, 'A'))).expect("put");
        let h = record_returns(&(), &h, env(0, 3, &Msg::PutOk(3))).expect("put ok");
        let h = record_invocations(&(), &h, env(3, 1, &Msg::Get(6))).expect("get");
        let h = record_returns(&(), &h, env(1, 3, &Msg::GetOk(6, '\0'))).expect("get ok");
        assert!(!h.is_linearizable());
    }
}
