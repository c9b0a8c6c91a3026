/**
 * Maps the shop's own ids (product ids, customer keys) to the dense indices engines use, and
 * back. Interning assigns the next index to an unseen id, so indices stay stable across updates.
 */
export class IdIndex<Id extends string | number = string> {
  private readonly indexById = new Map<Id, number>();
  readonly ids: Id[] = [];

  get size(): number {
    return this.ids.length;
  }

  /** The id's index, assigning a new one when the id is new. */
  intern(id: Id): number {
    let index = this.indexById.get(id);
    if (index === undefined) {
      index = this.ids.length;
      this.indexById.set(id, index);
      this.ids.push(id);
    }
    return index;
  }

  /** The id's index, or -1 when the id was never seen. */
  indexOf(id: Id): number {
    return this.indexById.get(id) ?? -1;
  }

  idAt(index: number): Id {
    const id = this.ids[index];
    if (id === undefined) throw new RangeError(`no id at index ${index} (index holds ${this.ids.length})`);
    return id;
  }
}
