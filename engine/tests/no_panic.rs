//! No input makes the engine panic: arbitrary text, mutated real manifests and random command
//! lines go through parse + apply + settle.

use kubefiddle_engine::{run, run_with_commands, Input};
use proptest::prelude::*;

const SEEDS: &[&str] = &[
    include_str!("../../examples/01-kind-cluster-basics.yaml"),
    include_str!("../../examples/02-taints-and-tolerations.yaml"),
    include_str!("../../examples/04-limitrange-lessons.yaml"),
    include_str!("../../examples/05-namespace-and-quota.yaml"),
];

fn mutate(text: &str, edits: &[(usize, u8)]) -> String {
    let mut bytes: Vec<u8> = text.as_bytes().to_vec();
    for (pos, b) in edits {
        if bytes.is_empty() {
            break;
        }
        let i = pos % bytes.len();
        match b % 4 {
            0 => {
                bytes.remove(i);
            }
            1 => {
                const ALPHABET: &[u8] = b" :-[]{}\n\t'\"&*!|>#%@`0123456789";
                bytes.insert(i, ALPHABET[usize::from(*b) % ALPHABET.len()])
            }
            2 => bytes[i] = b' ',
            _ => bytes.insert(i, b'\n'),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        let r = run(&[Input::new("fuzz.yaml", text)]);
        prop_assert!(r.exit_code() == 0 || r.exit_code() == 1);
    }

    #[test]
    fn mutated_manifests_never_panic(seed in 0usize..4, edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..12)) {
        let text = mutate(SEEDS[seed], &edits);
        let _ = run(&[Input::new("fuzz.yaml", text)]);
    }

    #[test]
    fn random_commands_never_panic(cmds in proptest::collection::vec("(kubectl|sleep) (taint|label|delete|scale|cordon|get|uncordon|annotate)? ?[a-z0-9/=:\\- ]{0,40}", 1..5)) {
        let _ = run_with_commands(&[Input::new("s.yaml", SEEDS[0])], &cmds);
    }
}
