%% SPDX-License-Identifier: Apache-2.0
%%
%% binary:split/3 with the options AtomVM's NIF lacks. AtomVM v0.7 accepts
%% only [global] and raises badarg on trim and trim_all, which Elixir's
%% String.split/3 passes for `trim: true`. The packer sends every other
%% module's calls of binary:split/3 here (-elixir_workers_replaces); this
%% module's own call below still reaches AtomVM's NIF.
-module(elixir_workers_binary).

-elixir_workers_replaces([{binary, split, 3}]).

-export([split/3]).

%% Only what AtomVM's lists has is called here (it has no partition/2).
split(Subject, Pattern, Options) when is_list(Options) ->
    case [Option || Option <- Options, Option =:= trim orelse Option =:= trim_all] of
        [] ->
            binary:split(Subject, Pattern, Options);
        Trims ->
            Rest = [Option || Option <- Options, Option =/= trim, Option =/= trim_all],
            trim(lists:member(trim_all, Trims), binary:split(Subject, Pattern, Rest))
    end;
split(Subject, Pattern, Options) ->
    binary:split(Subject, Pattern, Options).

%% trim: the empty parts at the end; trim_all: every empty part.
trim(true, Parts) ->
    [Part || Part <- Parts, Part =/= <<>>];
trim(false, Parts) ->
    lists:reverse(drop_empty(lists:reverse(Parts))).

drop_empty([<<>> | Rest]) -> drop_empty(Rest);
drop_empty(Parts) -> Parts.
