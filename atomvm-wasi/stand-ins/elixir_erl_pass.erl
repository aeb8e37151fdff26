%% SPDX-License-Identifier: Apache-2.0
%%
%% Stands in on the VM for the part of Elixir's compiler module elixir_erl_pass
%% that compiled code calls at run time. From Elixir 1.18 on, `value.field`
%% compiles to a map match whose other branch calls no_parens_remote/2: a
%% module's zero-arity function (the deprecated `Module.fun` without
%% parentheses) answers {ok, Value}. Anything else is an error, whose shape
%% changed: Elixir 1.18 answers `error` and its callers raise
%% {badkey, field, Value} whatever else they get; later ones (1.20 here)
%% answer {error, Reason} and their callers raise Reason. Answering as 1.20
%% does makes the code of both raise what it raises on the BEAM. `map.field()` calls
%% parens_map_field/2. Elixir warns once about both deprecated forms; the VM
%% has no warning channel, so these only answer.
-module(elixir_erl_pass).

-export([no_parens_remote/2, parens_map_field/2]).

no_parens_remote(Atom, Fun) when is_atom(Atom), Atom =/= nil, Atom =/= true, Atom =/= false ->
    {ok, apply(Atom, Fun, [])};
no_parens_remote(#{} = Map, Key) ->
    {error, {badkey, Key, Map}};
no_parens_remote(Other, _Key) ->
    {error, {badmap, Other}}.

parens_map_field(_Key, Value) -> Value.
