%% SPDX-License-Identifier: Apache-2.0
%%
%% string:titlecase/1, which AtomVM's string lacks (it has eight of OTP's
%% functions) and Elixir 1.18's String.capitalize/2 calls (1.14's does not). The packer
%% sends every other module's calls of string:titlecase/1 here
%% (-elixir_workers_replaces). As OTP's: the first grapheme cluster in
%% titlecase, by OTP's unicode_util, which the pack takes from OTP's stdlib;
%% the rest unchanged.
-module(elixir_workers_string).

-elixir_workers_replaces([{string, titlecase, 1}]).

-export([titlecase/1]).

titlecase(String) when is_list(String) ->
    case unicode_util:titlecase(String) of
        [First | Rest] when is_integer(First) -> [First | Rest];
        [First | Rest] -> First ++ Rest;
        [] -> []
    end;
titlecase(String) when is_binary(String) ->
    case unicode_util:titlecase(String) of
        [First | Rest] when is_integer(First) -> <<First/utf8, Rest/binary>>;
        [First | Rest] -> <<<<<<C/utf8>> || C <- First>>/binary, Rest/binary>>;
        [] -> <<>>
    end.
