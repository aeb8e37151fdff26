/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file regex_engine.h
 * @brief A backtracking regular-expression engine for the `re` NIFs.
 *
 * @details The subset of PCRE that Elixir code writes (docs/regex.md): a
 * pattern compiles to a small program of relative jumps, and a match runs it
 * with an explicit backtracking stack and a step budget, so a pattern that
 * backtracks catastrophically ends with REGEX_STEP_LIMIT instead of a hang.
 * No AtomVM types here: re_nifs.c turns terms into these calls.
 */

#ifndef _REGEX_ENGINE_H_
#define _REGEX_ENGINE_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// Compile options (re:compile/2's names).
#define REGEX_CASELESS 0x1
#define REGEX_MULTILINE 0x2
#define REGEX_DOTALL 0x4
#define REGEX_EXTENDED 0x8
#define REGEX_UNGREEDY 0x10
#define REGEX_UNICODE 0x20
#define REGEX_UCP 0x40
#define REGEX_ANCHORED 0x80
#define REGEX_DOLLAR_ENDONLY 0x100
#define REGEX_NO_AUTO_CAPTURE 0x200
#define REGEX_FIRSTLINE 0x400
#define REGEX_DUPNAMES 0x800
// {newline, NL}: two bits.
#define REGEX_NEWLINE_SHIFT 12
#define REGEX_NEWLINE_MASK (0x7 << REGEX_NEWLINE_SHIFT)
#define REGEX_NEWLINE_LF (0 << REGEX_NEWLINE_SHIFT)
#define REGEX_NEWLINE_CR (1 << REGEX_NEWLINE_SHIFT)
#define REGEX_NEWLINE_CRLF (2 << REGEX_NEWLINE_SHIFT)
#define REGEX_NEWLINE_ANYCRLF (3 << REGEX_NEWLINE_SHIFT)
#define REGEX_NEWLINE_ANY (4 << REGEX_NEWLINE_SHIFT)

// Run options (re:run/3's names).
#define REGEX_RUN_ANCHORED 0x1
#define REGEX_RUN_NOTEMPTY 0x2
#define REGEX_RUN_NOTEMPTY_ATSTART 0x4
#define REGEX_RUN_NOTBOL 0x8
#define REGEX_RUN_NOTEOL 0x10

enum RegexResult
{
    REGEX_MATCHED,
    REGEX_NO_MATCH,
    REGEX_STEP_LIMIT,
    REGEX_OUT_OF_MEMORY
};

struct RegexCompileError
{
    // static text, PCRE's wording where PCRE has the error
    const char *message;
    // byte offset in the pattern
    size_t position;
};

struct RegexProgram;

/**
 * Compiles a pattern; NULL with *error set when it is not valid or uses
 * syntax outside the subset (the message then says which construct), or
 * with error->message NULL when out of memory.
 */
struct RegexProgram *regex_compile(const uint8_t *pattern, size_t size, uint32_t options, struct RegexCompileError *error);

void regex_free(struct RegexProgram *program);

/** The capturing groups, not counting the whole match. */
int regex_capture_count(const struct RegexProgram *program);

/** The options the program was compiled with, after (*CR) etc. */
uint32_t regex_options(const struct RegexProgram *program);

/** Named groups in name order (the order re:inspect/2 and all_names use). */
int regex_name_count(const struct RegexProgram *program);
const uint8_t *regex_name(const struct RegexProgram *program, int index, size_t *size, int *group);
/** The group of a name, -1 when there is none. */
int regex_group_of_name(const struct RegexProgram *program, const uint8_t *name, size_t size);

/**
 * Looks for a match starting at or after `start`. `ovector` holds
 * 2 * (capture count + 1) offsets, -1 for groups that did not take part.
 * `steps` is the budget, and what is left of it on return.
 */
enum RegexResult regex_match(const struct RegexProgram *program, const uint8_t *subject, size_t size, size_t start,
    uint32_t run_options, uint64_t *steps, long *ovector);

/** Whether `data` is valid UTF-8 (what unicode patterns and subjects must be). */
bool regex_valid_utf8(const uint8_t *data, size_t size);

#endif
