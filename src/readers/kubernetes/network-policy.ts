/** A NetworkPolicy → a declaration for the graph: the pods it selects, and the policy kept raw. */
import { check, sourceAt, type KubeObject, type ReaderContext } from './reader-context.js';
import { NetworkPolicySpecSchema } from './schema.js';

export function readNetworkPolicy(reader: ReaderContext, obj: KubeObject): void {
  const spec = check(reader, obj, ['spec'], NetworkPolicySpecSchema, obj.value.spec ?? {}, 'NetworkPolicy spec');
  if (!spec) return;
  const selector = spec.podSelector;
  const expressions = selector?.matchExpressions && selector.matchExpressions.length > 0;
  const reason = expressions
    ? `NetworkPolicy ${obj.name} (its podSelector matchExpressions are kept in raw only)`
    : `NetworkPolicy ${obj.name} in namespace ${obj.namespace}`;
  reader.result.networkPolicies.push({
    name: obj.name,
    scope: obj.namespace,
    podSelector: selector?.matchLabels ?? {},
    source: sourceAt(reader, obj, [], reason),
    raw: obj.value,
  });
}
