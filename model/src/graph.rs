//! Graph questions about a twin: which components an endpoint needs, whether it is up when a
//! given set of components is down (the structure function), and its minimal cut sets of
//! order one and two with the chain of edges that explains each.
//!
//! Only `Requires` edges with strength `Hard` carry failure; edges of one caller that share
//! an `any_of` group are alternatives (the caller needs one of them). `Degrades` and
//! `Fallback` edges never take the caller down, so they are not part of any cut set.
//!
//! Cut sets are found by evaluating the structure function, which is exact for any
//! coherent system (bridges included): order one costs O(n·e), order two O(n²·e) over the
//! endpoint's closure, small for a single machine's few dozen components.

use std::collections::{BTreeMap, VecDeque};

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::twin::{Edge, Kind, Strength, Twin};

/// A twin's hard-requirement graph, indexed for repeated structure-function evaluation.
#[derive(Clone, Debug)]
pub struct RequiresGraph {
    /// Component ids by index, in the twin's order.
    pub ids: Vec<String>,
    graph: DiGraph<usize, usize>,
    /// For each component, its requirement groups: each inner list holds the alternatives
    /// of which at least one must be up. An ungrouped hard edge is a group of one.
    groups: Vec<Vec<Vec<usize>>>,
    /// The twin's dependency index behind each graph edge, for explanations.
    edge_source: Vec<usize>,
}

/// One minimal cut set of an endpoint, with the edge chains that explain it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CutSet {
    /// Component ids whose joint loss takes the endpoint down.
    pub components: Vec<String>,
    /// For each component, the ids along a chain of hard requirements from the endpoint.
    pub chains: Vec<Vec<String>>,
}

impl RequiresGraph {
    pub fn new(twin: &Twin) -> RequiresGraph {
        let ids: Vec<String> = twin.components.iter().map(|c| c.id.clone()).collect();
        let index: BTreeMap<&str, usize> =
            ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
        let mut graph = DiGraph::new();
        let nodes: Vec<NodeIndex> = (0..ids.len()).map(|i| graph.add_node(i)).collect();
        let mut grouped: Vec<BTreeMap<String, Vec<usize>>> = vec![BTreeMap::new(); ids.len()];
        let mut groups: Vec<Vec<Vec<usize>>> = vec![Vec::new(); ids.len()];
        let mut edge_source = Vec::new();

        for (dependency_index, dependency) in twin.dependencies.iter().enumerate() {
            let Edge::Requires(requirement) = &dependency.kind else {
                continue;
            };
            if requirement.strength != Strength::Hard {
                continue;
            }
            let (Some(&from), Some(&to)) =
                (index.get(dependency.from.as_str()), index.get(dependency.to.as_str()))
            else {
                continue;
            };
            graph.add_edge(nodes[from], nodes[to], edge_source.len());
            edge_source.push(dependency_index);
            match &requirement.any_of {
                Some(group) => grouped[from].entry(group.clone()).or_default().push(to),
                None => groups[from].push(vec![to]),
            }
        }
        for (from, named) in grouped.into_iter().enumerate() {
            groups[from].extend(named.into_values());
        }
        RequiresGraph { ids, graph, groups, edge_source }
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.ids.iter().position(|candidate| candidate == id)
    }

    /// The twin's dependency indices behind the hard edges, in graph order.
    pub fn edge_sources(&self) -> &[usize] {
        &self.edge_source
    }

    /// Every component `start` transitively needs (hard edges, alternatives included),
    /// `start` first.
    pub fn closure(&self, start: usize) -> Vec<usize> {
        let mut seen = vec![false; self.ids.len()];
        let mut order = vec![start];
        seen[start] = true;
        let mut queue = VecDeque::from([start]);
        while let Some(current) = queue.pop_front() {
            for edge in self.graph.edges(NodeIndex::new(current)) {
                let next = edge.target().index();
                if !seen[next] {
                    seen[next] = true;
                    order.push(next);
                    queue.push_back(next);
                }
            }
        }
        order
    }

    /// The structure function: whether `component` works when exactly the components with
    /// `down[i] == true` have failed. A dependency cycle counts as working (a cycle in a
    /// machine's configuration is a loop of mutual probes, not of mutual need).
    pub fn is_up(&self, component: usize, down: &[bool]) -> bool {
        let mut memo = vec![State::Unknown; self.ids.len()];
        self.evaluate(component, down, &mut memo)
    }

    fn evaluate(&self, component: usize, down: &[bool], memo: &mut [State]) -> bool {
        match memo[component] {
            State::Up => return true,
            State::Down => return false,
            State::Visiting => return true,
            State::Unknown => {}
        }
        if down[component] {
            memo[component] = State::Down;
            return false;
        }
        memo[component] = State::Visiting;
        let up = self.groups[component]
            .iter()
            .all(|alternatives| alternatives.iter().any(|&dep| self.evaluate(dep, down, memo)));
        memo[component] = if up { State::Up } else { State::Down };
        up
    }

    /// A shortest chain of hard edges from `from` to `to`, as component ids.
    pub fn chain(&self, from: usize, to: usize) -> Vec<String> {
        let mut parent = vec![usize::MAX; self.ids.len()];
        parent[from] = from;
        let mut queue = VecDeque::from([from]);
        while let Some(current) = queue.pop_front() {
            if current == to {
                break;
            }
            for edge in self.graph.edges(NodeIndex::new(current)) {
                let next = edge.target().index();
                if parent[next] == usize::MAX {
                    parent[next] = current;
                    queue.push_back(next);
                }
            }
        }
        if parent[to] == usize::MAX {
            return Vec::new();
        }
        let mut chain = vec![self.ids[to].clone()];
        let mut current = to;
        while current != from {
            current = parent[current];
            chain.push(self.ids[current].clone());
        }
        chain.reverse();
        chain
    }

    /// Minimal cut sets of order one and two for `endpoint`: single components whose loss
    /// takes it down, then pairs that do so jointly while neither does alone.
    pub fn cut_sets(&self, endpoint: usize) -> (Vec<CutSet>, Vec<CutSet>) {
        let mut candidates: Vec<usize> =
            self.closure(endpoint).into_iter().filter(|&i| i != endpoint).collect();
        candidates.sort_unstable();
        let mut down = vec![false; self.ids.len()];
        let mut singles = Vec::new();
        let mut is_single = vec![false; self.ids.len()];

        for &candidate in &candidates {
            down[candidate] = true;
            if !self.is_up(endpoint, &down) {
                is_single[candidate] = true;
                singles.push(CutSet {
                    components: vec![self.ids[candidate].clone()],
                    chains: vec![self.chain(endpoint, candidate)],
                });
            }
            down[candidate] = false;
        }

        let mut pairs = Vec::new();
        let rest: Vec<usize> = candidates.iter().copied().filter(|&i| !is_single[i]).collect();
        for (position, &first) in rest.iter().enumerate() {
            for &second in &rest[position + 1..] {
                down[first] = true;
                down[second] = true;
                if !self.is_up(endpoint, &down) {
                    pairs.push(CutSet {
                        components: vec![self.ids[first].clone(), self.ids[second].clone()],
                        chains: vec![self.chain(endpoint, first), self.chain(endpoint, second)],
                    });
                }
                down[first] = false;
                down[second] = false;
            }
        }
        (singles, pairs)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Unknown,
    Visiting,
    Up,
    Down,
}

/// Ids of the twin's endpoints (production first) paired with their graph index.
pub fn endpoint_indices(twin: &Twin, graph: &RequiresGraph) -> Vec<(String, usize)> {
    twin.endpoints()
        .into_iter()
        .filter(|component| matches!(component.kind, Kind::Endpoint(_)))
        .filter_map(|component| {
            graph.index_of(&component.id).map(|index| (component.id.clone(), index))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::twin::*;

    fn component(id: &str) -> Component {
        Component { id: id.into(), name: id.into(), kind: Kind::Host, evidence: Vec::new() }
    }

    fn requires(from: &str, to: &str, any_of: Option<&str>) -> Dependency {
        Dependency {
            from: from.into(),
            to: to.into(),
            kind: Edge::Requires(Requirement {
                strength: Strength::Hard,
                timeout: None,
                any_of: any_of.map(str::to_string),
            }),
            evidence: Vec::new(),
        }
    }

    fn twin(ids: &[&str], dependencies: Vec<Dependency>) -> Twin {
        Twin {
            format: TWIN_FORMAT,
            host: HostInfo {
                name: "t".into(),
                platform: Platform::MacOs,
                time_zone: "UTC".into(),
                time_zone_evidence: Evidence::assumption("test"),
                memory_bytes: None,
            },
            components: ids.iter().map(|id| component(id)).collect(),
            dependencies,
            findings: Vec::new(),
            skipped: Vec::new(),
            unlinked: Vec::new(),
        }
    }

    #[test]
    fn series_chain_has_every_member_as_single_cut() {
        let twin = twin(&["e", "a", "b"], vec![requires("e", "a", None), requires("a", "b", None)]);
        let graph = RequiresGraph::new(&twin);
        let (singles, pairs) = graph.cut_sets(0);
        let ids: Vec<&str> = singles.iter().map(|c| c.components[0].as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(singles[1].chains[0], ["e", "a", "b"]);
        assert!(pairs.is_empty());
    }

    #[test]
    fn parallel_pair_is_one_cut_of_order_two() {
        let twin = twin(
            &["e", "a", "b"],
            vec![requires("e", "a", Some("g")), requires("e", "b", Some("g"))],
        );
        let graph = RequiresGraph::new(&twin);
        let (singles, pairs) = graph.cut_sets(0);
        assert!(singles.is_empty());
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].components, ["a", "b"]);
    }

    #[test]
    fn bridge_has_the_four_textbook_pairs_and_no_singles() {
        // e needs (a or b); a needs (c or d) ... modelled as the classic bridge on paths
        // e→{p1: a,c} / {p2: b,d} with a bridge: here as e needs one of x, y where
        // x needs a and c, y needs b and d, plus alternates through the bridge m.
        let twin = twin(
            &["e", "x", "y", "z", "a", "b", "c", "d", "m"],
            vec![
                requires("e", "x", Some("paths")),
                requires("e", "y", Some("paths")),
                requires("e", "z", Some("paths")),
                requires("x", "a", None),
                requires("x", "c", None),
                requires("y", "b", None),
                requires("y", "d", None),
                requires("z", "a", None),
                requires("z", "m", None),
                requires("z", "d", None),
            ],
        );
        let graph = RequiresGraph::new(&twin);
        let (singles, pairs) = graph.cut_sets(0);
        assert!(singles.is_empty());
        let pairs: Vec<Vec<String>> = pairs.into_iter().map(|c| c.components).collect();
        // a with b, a with d, c with d; x and y paths cut jointly with z's parts.
        assert!(pairs.contains(&vec!["a".to_string(), "b".to_string()]));
        assert!(pairs.contains(&vec!["a".to_string(), "d".to_string()]));
        assert!(pairs.contains(&vec!["c".to_string(), "d".to_string()]));
        assert!(!pairs.contains(&vec!["a".to_string(), "c".to_string()]));
    }

    #[test]
    fn soft_edges_never_cut() {
        let mut dependency = requires("e", "a", None);
        dependency.kind = Edge::Requires(Requirement {
            strength: Strength::Fallback,
            timeout: None,
            any_of: None,
        });
        let twin = twin(&["e", "a"], vec![dependency]);
        let graph = RequiresGraph::new(&twin);
        assert!(graph.cut_sets(0).0.is_empty());
    }
}
