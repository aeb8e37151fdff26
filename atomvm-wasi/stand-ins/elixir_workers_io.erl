%% SPDX-License-Identifier: Apache-2.0
%%
%% Elixir's IO.warn/1,2 for a worker: the warning, one line on stderr (the
%% host's log). Elixir's own formats the stacktrace or Macro.Env it is given,
%% which reaches the Exception, Macro, Path, Regex and Application formatting
%% (about 14 KiB gzip in every worker, since each defexception's exception/1
%% warns on unknown fields); a worker's log gets the message without it. The
%% packer sends every call of IO.warn/1,2 here (-elixir_workers_replaces).
-module(elixir_workers_io).

-elixir_workers_replaces([{'Elixir.IO', warn, 1}, {'Elixir.IO', warn, 2}]).

-export([warn/1, warn/2, line/1]).

warn(Message) ->
    warn(Message, []).

warn(Message, _StacktraceOrEnv) ->
    elixir_workers_host:log(line(Message)),
    ok.

%% What warn/2 writes: "warning: " and the message as UTF-8, then a newline.
line(Message) ->
    case unicode:characters_to_binary(Message) of
        Text when is_binary(Text) -> [<<"warning: ">>, Text, $\n];
        _ -> erlang:error(badarg, [Message])
    end.
