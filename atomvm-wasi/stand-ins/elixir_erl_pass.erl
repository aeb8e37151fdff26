%% SPDX-License-Identifier: Apache-2.0
%%
%% Stands in on the VM for the part of Elixir's compiler module elixir_erl_pass
%% that compiled code calls at run time. From Elixir 1.18 on, `value.field`
%% compiles to a map match whose other branch calls no_parens_remote/2: a
%% module's zero-arity function (the deprecated `Module.fun` without
%% parentheses) answers {ok, Value}, anything else `error`, on which the caller
%% raises {badkey, field, Value} itself. `map.field()` calls
%% parens_map_field/2. Elixir warns once about both deprecated forms; the VM
%% has no warning channel, so these only answer.
-module(elixir_erl_pass).

-export([no_parens_remote/2, parens_map_field/2]).

no_parens_remote(nil, _Fun) -> error;
no_parens_remote(false, _Fun) -> error;
no_parens_remote(true, _Fun) -> error;
no_parens_remote(Atom, Fun) when is_atom(Atom) -> {ok, apply(Atom, Fun, [])};
no_parens_remote(_Other, _Fun) -> error.

parens_map_field(_Key, Value) -> Value.
