%% SPDX-License-Identifier: Apache-2.0
%%
%% Stands in on the VM for OTP's persistent_term, which AtomVM lacks and
%% Elixir's standard library reads (Kernel.inspect/2 asks it for the default
%% inspect function, with a default when nothing was stored). Terms live in a
%% public named ETS table made by the first put/2: a worker's VM serves one
%% request and is thrown away, so the table lives as long as anything could
%% read it. OTP's promise of cheap reads without copying does not hold here;
%% the answers do.
-module(persistent_term).

-export([get/1, get/2, put/2, erase/1]).

-define(TABLE, elixir_workers_persistent_term).

get(Key) ->
    case lookup(Key) of
        {ok, Value} -> Value;
        error -> erlang:error(badarg, [Key])
    end.

get(Key, Default) ->
    case lookup(Key) of
        {ok, Value} -> Value;
        error -> Default
    end.

put(Key, Value) ->
    try
        ets:insert(?TABLE, {Key, Value})
    catch
        error:badarg ->
            ets:new(?TABLE, [set, public, {named_table, true}]),
            ets:insert(?TABLE, {Key, Value})
    end,
    ok.

erase(Key) ->
    case lookup(Key) of
        {ok, _} ->
            ets:delete(?TABLE, Key),
            true;
        error ->
            false
    end.

lookup(Key) ->
    try ets:lookup(?TABLE, Key) of
        [{_, Value}] -> {ok, Value};
        [] -> error
    catch
        error:badarg -> error
    end.
