/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Atom order without walking the atom table.
 *
 * Erlang orders atoms by name, so term_compare() asks the atom table for two
 * names whenever it compares two different atoms. Map lookups are the common
 * case: AtomVM scans a map's keys and compares the wanted key with each one,
 * so reading a field of a struct (a map with one atom key per field) compares
 * atoms over and over. AtomVM 0.7 finds a name by walking a list that gets a
 * node group for every loaded module; with a worker's fifty-odd modules that
 * walk was the single most expensive thing a small request did.
 *
 * The link routes term_compare()'s calls here (-Wl,--wrap, CMakeLists.txt).
 * A name is looked up once and kept in an array indexed by atom; atoms are
 * never removed and their names never move, so an entry never goes stale (in
 * a snapshot either). The array grows with the atom table.
 */

#include <atom_table.h>
#include <utils.h>

#include <stdlib.h>
#include <string.h>

int __real_atom_table_cmp_using_atom_index(struct AtomTable *table, atom_index_t atom, atom_index_t other);
int __wrap_atom_table_cmp_using_atom_index(struct AtomTable *table, atom_index_t atom, atom_index_t other);

struct AtomName
{
    const uint8_t *data; // NULL until looked up
    size_t len;
};

static struct AtomTable *names_table;
static struct AtomName *names;
static size_t names_capacity;

static const struct AtomName *atom_name(struct AtomTable *table, atom_index_t atom)
{
    if (UNLIKELY(table != names_table)) {
        free(names);
        names = NULL;
        names_capacity = 0;
        names_table = table;
    }
    if (UNLIKELY((size_t) atom >= names_capacity)) {
        size_t capacity = atom_table_count(table);
        if ((size_t) atom >= capacity) {
            return NULL;
        }
        struct AtomName *grown = realloc(names, capacity * sizeof(struct AtomName));
        if (IS_NULL_PTR(grown)) {
            return NULL;
        }
        memset(grown + names_capacity, 0, (capacity - names_capacity) * sizeof(struct AtomName));
        names = grown;
        names_capacity = capacity;
    }
    struct AtomName *name = &names[atom];
    if (name->data == NULL) {
        name->data = atom_table_get_atom_string(table, atom, &name->len);
        if (IS_NULL_PTR(name->data)) {
            return NULL;
        }
    }
    return name;
}

int __wrap_atom_table_cmp_using_atom_index(struct AtomTable *table, atom_index_t atom, atom_index_t other)
{
    if (atom == other) {
        return 0;
    }
    const struct AtomName *a = atom_name(table, atom);
    const struct AtomName *b = atom_name(table, other);
    if (IS_NULL_PTR(a) || IS_NULL_PTR(b)) {
        // out of memory, or an index the table does not know: AtomVM decides
        return __real_atom_table_cmp_using_atom_index(table, atom, other);
    }
    size_t common = a->len < b->len ? a->len : b->len;
    int cmp = memcmp(a->data, b->data, common);
    if (cmp != 0) {
        return cmp;
    }
    return a->len == b->len ? 0 : (a->len > b->len ? 1 : -1);
}
