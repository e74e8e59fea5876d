// Creates under way on this instance, per owner (an account's projects, a
// network's resources), counted along with the read model when a quota is
// checked: concurrent creates on one instance cannot both take the last slot.
// Each is held until its create is recorded (and so in the read model, which
// this instance's own writes reach at once) or refused.
//
// Across instances the read model is the only link: another instance's create
// shows once its event arrives by subscription (milliseconds). Creates for
// one owner landing on different instances within that window can overshoot
// a quota by as many as raced.
export class InFlight {
  private readonly byOwner = new Map<string, Set<string>>();

  /** The owner's creates under way that the read model does not show yet (`known`). */
  count(owner: string, known: (id: string) => boolean): number {
    let count = 0;
    for (const id of this.byOwner.get(owner) ?? []) if (!known(id)) count++;
    return count;
  }

  /** Runs the create of `id`, counted as under way until it ends either way. */
  async hold<T>(owner: string, id: string, create: () => Promise<T>): Promise<T> {
    const ids = this.byOwner.get(owner) ?? new Set<string>();
    this.byOwner.set(owner, ids);
    ids.add(id);
    try {
      return await create();
    } finally {
      ids.delete(id);
      if (ids.size === 0 && this.byOwner.get(owner) === ids) this.byOwner.delete(owner);
    }
  }
}
