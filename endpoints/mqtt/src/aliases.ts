/** v5 Topic Aliases: a client names a topic once with a number, then publishes by the number alone. */
import { REASON } from './publish';

export type Resolved = { readonly topic: string } | { readonly reason: number; readonly message: string };

export class TopicAliases {
  private readonly topics = new Map<number, string>();

  /** `maximum`: the Topic Alias Maximum the CONNACK advertised. */
  constructor(private readonly maximum: number) {}

  /** A PUBLISH's topic, its alias set or used; or why the PUBLISH is refused. */
  resolve(topic: string, alias: number | undefined): Resolved {
    if (alias === undefined) return { topic };
    if (alias === 0 || alias > this.maximum) return { reason: REASON.topicAliasInvalid, message: 'topic alias out of range' };
    if (topic !== '') {
      this.topics.set(alias, topic);
      return { topic };
    }
    const known = this.topics.get(alias);
    return known === undefined ? { reason: REASON.protocolError, message: 'unknown topic alias' } : { topic: known };
  }
}
