import type { Knex } from "knex";

/**
 * A term's `parent_id` may not lead back to the term itself through its ancestors (A → B →
 * A): `terms_parent_not_self` catches only the one-step loop. A CHECK cannot look at other
 * rows, so a trigger walks the ancestors of the new parent and refuses with a
 * check_violation named `terms_parent_cycle`, which the service maps like the other
 * constraints of a term.
 *
 * Two concurrent writes (A under B, B under A) could each find no cycle in a snapshot that
 * lacks the other's change, so a hierarchy change first takes one transaction-level
 * advisory lock: such writes are rare, and under the lock the walk (a new statement, so a
 * new snapshot under READ COMMITTED) sees every hierarchy change committed before it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function terms_refuse_parent_cycle() returns trigger language plpgsql as $$
    begin
      if new.parent_id is null then
        return new;
      end if;
      perform pg_advisory_xact_lock(hashtext('registrar.terms_hierarchy'));
      if exists (
        with recursive ancestors(id, parent_id) as (
          select id, parent_id from terms where id = new.parent_id
          union
          select t.id, t.parent_id from terms t join ancestors a on t.id = a.parent_id
        )
        select 1 from ancestors where id = new.id
      ) then
        raise exception 'term % cannot be placed under its own descendant %', new.id, new.parent_id
          using errcode = 'check_violation', constraint = 'terms_parent_cycle', table = 'terms';
      end if;
      return new;
    end $$`);
  // Only a changed parent can close a loop; a new term has no descendants yet.
  await knex.raw(`
    create trigger terms_parent_cycle before update of parent_id on terms
      for each row when (new.parent_id is distinct from old.parent_id)
      execute function terms_refuse_parent_cycle()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop trigger terms_parent_cycle on terms");
  await knex.raw("drop function terms_refuse_parent_cycle()");
}
