%% SPDX-License-Identifier: Apache-2.0
%%
%% Elixir's Base decoders for base 64 and base 32, for a worker. Elixir's
%% split the input with a binary segment of unit 64 and build 6- and 5-bit
%% segments (<<d(c1)::6, d(c2)::6, ...>>), and AtomVM's interpreter raises
%% `unsupported` there: decode64/1,2 and the others failed on every input.
%% Here each group of characters becomes whole bytes, with Elixir's rules
%% unchanged: the same groups of 8 characters, the same accepted endings (in
%% the same order, padding: false included), the low bits of a last partial
%% character ignored, `ignore: :whitespace` for base 64, `case:` for base 32,
%% and the same ArgumentError messages ("non-alphabet character found: ...",
%% "incorrect padding"), which decode64/1,2 and decode32/1,2 turn into
%% :error. The encoders work on AtomVM as Elixir wrote them. The packer sends
%% every call of these functions here (-elixir_workers_replaces).
-module(elixir_workers_base).

-elixir_workers_replaces([
    {'Elixir.Base', decode64, 1},
    {'Elixir.Base', decode64, 2},
    {'Elixir.Base', 'decode64!', 1},
    {'Elixir.Base', 'decode64!', 2},
    {'Elixir.Base', url_decode64, 1},
    {'Elixir.Base', url_decode64, 2},
    {'Elixir.Base', 'url_decode64!', 1},
    {'Elixir.Base', 'url_decode64!', 2},
    {'Elixir.Base', decode32, 1},
    {'Elixir.Base', decode32, 2},
    {'Elixir.Base', 'decode32!', 1},
    {'Elixir.Base', 'decode32!', 2},
    {'Elixir.Base', hex_decode32, 1},
    {'Elixir.Base', hex_decode32, 2},
    {'Elixir.Base', 'hex_decode32!', 1},
    {'Elixir.Base', 'hex_decode32!', 2}
]).

-export([
    decode64/1,
    decode64/2,
    'decode64!'/1,
    'decode64!'/2,
    url_decode64/1,
    url_decode64/2,
    'url_decode64!'/1,
    'url_decode64!'/2,
    decode32/1,
    decode32/2,
    'decode32!'/1,
    'decode32!'/2,
    hex_decode32/1,
    hex_decode32/2,
    'hex_decode32!'/1,
    'hex_decode32!'/2
]).

decode64(String) -> decode64(String, []).
decode64(String, Opts) when is_binary(String) -> ok_or_error(fun() -> 'decode64!'(String, Opts) end).

'decode64!'(String) -> 'decode64!'(String, []).
'decode64!'(String, Opts) when is_binary(String) -> decode_base64(String, Opts, standard).

url_decode64(String) -> url_decode64(String, []).
url_decode64(String, Opts) when is_binary(String) ->
    ok_or_error(fun() -> 'url_decode64!'(String, Opts) end).

'url_decode64!'(String) -> 'url_decode64!'(String, []).
'url_decode64!'(String, Opts) when is_binary(String) -> decode_base64(String, Opts, url).

decode32(String) -> decode32(String, []).
decode32(String, Opts) -> ok_or_error(fun() -> 'decode32!'(String, Opts) end).

'decode32!'(String) -> 'decode32!'(String, []).
'decode32!'(String, Opts) when is_binary(String) -> decode_base32(String, Opts, base32).

hex_decode32(String) -> hex_decode32(String, []).
hex_decode32(String, Opts) -> ok_or_error(fun() -> 'hex_decode32!'(String, Opts) end).

'hex_decode32!'(String) -> 'hex_decode32!'(String, []).
'hex_decode32!'(String, Opts) when is_binary(String) -> decode_base32(String, Opts, hex).

%% `rescue ArgumentError -> :error`: an ArgumentError, or what Elixir
%% normalizes to one (badarg).
ok_or_error(Decode) ->
    try
        {ok, Decode()}
    catch
        error:#{'__struct__' := 'Elixir.ArgumentError'} -> error;
        error:badarg -> error
    end.

decode_base64(String, Opts, Alphabet) ->
    Pad = 'Elixir.Keyword':get(Opts, padding, true),
    Ignored = remove_ignored(String, 'Elixir.Access':get(Opts, ignore)),
    decode(Ignored, Pad, 6, fun(C) -> digit64(Alphabet, C) end).

decode_base32(String, Opts, Alphabet) ->
    Pad = 'Elixir.Keyword':get(Opts, padding, true),
    Case = 'Elixir.Keyword':get(Opts, 'case', upper),
    Digit =
        case Case of
            upper -> fun(C) -> digit32(Alphabet, upper, C) end;
            lower -> fun(C) -> digit32(Alphabet, lower, C) end;
            mixed -> fun(C) -> digit32(Alphabet, mixed, C) end
        end,
    decode(String, Pad, 5, Digit).

remove_ignored(String, nil) ->
    String;
remove_ignored(String, whitespace) ->
    <<<<C>> || <<C>> <= String, C =/= $\s, C =/= $\t, C =/= $\r, C =/= $\n>>.

%% Groups of 8 characters but the last (1 to 8 characters), each group
%% Bits * 8 bits long; then the last as Elixir's clauses take it.
decode(<<>>, _Pad, _Bits, _Digit) ->
    <<>>;
decode(String, Pad, Bits, Digit) ->
    MainSize = ((byte_size(String) + 7) div 8 - 1) * 8,
    <<Main:MainSize/binary, Rest/binary>> = String,
    Decoded = <<<<(group(Group, Bits, Digit))/binary>> || <<Group:8/binary>> <= Main>>,
    case last(Rest, Pad, Bits) of
        {ok, Characters} -> <<Decoded/binary, (group(Characters, Bits, Digit))/binary>>;
        error -> erlang:error('Elixir.ArgumentError':exception(<<"incorrect padding">>))
    end.

%% The characters of the last group that carry data, by the endings
%% Elixir's clauses accept, tried in their order.
last(<<C:2/binary, "==">>, _Pad, 6) -> {ok, C};
last(<<C:3/binary, "=">>, _Pad, 6) -> {ok, C};
last(<<C:4/binary>>, _Pad, 6) -> {ok, C};
last(<<C:6/binary, "==">>, _Pad, 6) -> {ok, C};
last(<<C:7/binary, "=">>, _Pad, 6) -> {ok, C};
last(<<C:8/binary>>, _Pad, 6) -> {ok, C};
last(<<C:2/binary>>, false, 6) -> {ok, C};
last(<<C:3/binary>>, false, 6) -> {ok, C};
last(<<C:6/binary>>, false, 6) -> {ok, C};
last(<<C:7/binary>>, false, 6) -> {ok, C};
last(<<C:2/binary, "======">>, _Pad, 5) -> {ok, C};
last(<<C:4/binary, "====">>, _Pad, 5) -> {ok, C};
last(<<C:5/binary, "===">>, _Pad, 5) -> {ok, C};
last(<<C:7/binary, "=">>, _Pad, 5) -> {ok, C};
last(<<C:8/binary>>, _Pad, 5) -> {ok, C};
last(<<C:2/binary>>, false, 5) -> {ok, C};
last(<<C:4/binary>>, false, 5) -> {ok, C};
last(<<C:5/binary>>, false, 5) -> {ok, C};
last(<<C:7/binary>>, false, 5) -> {ok, C};
last(_Rest, _Pad, _Bits) -> error.

%% The whole bytes that Characters (each Bits bits, first to last) make; a
%% last character's bits beyond the last whole byte are dropped, as
%% Elixir's bsr/2 of it does. Characters are decoded first to last, so the
%% error names the first that is not in the alphabet. The bits are taken a
%% byte at a time: AtomVM builds integer segments only from small integers.
group(Characters, Bits, Digit) ->
    list_to_binary(bytes(Characters, Bits, Digit, 0, 0)).

bytes(<<C, Rest/binary>>, Bits, Digit, Buffer, Held) ->
    bytes_out(Rest, Bits, Digit, (Buffer bsl Bits) bor Digit(C), Held + Bits);
bytes(<<>>, _Bits, _Digit, _Buffer, _Held) ->
    [].

bytes_out(Rest, Bits, Digit, Buffer, Held) when Held >= 8 ->
    Left = Held - 8,
    [Buffer bsr Left | bytes_out(Rest, Bits, Digit, Buffer band ((1 bsl Left) - 1), Left)];
bytes_out(Rest, Bits, Digit, Buffer, Held) ->
    bytes(Rest, Bits, Digit, Buffer, Held).

digit64(_, C) when C >= $A, C =< $Z -> C - $A;
digit64(_, C) when C >= $a, C =< $z -> C - $a + 26;
digit64(_, C) when C >= $0, C =< $9 -> C - $0 + 52;
digit64(standard, $+) -> 62;
digit64(standard, $/) -> 63;
digit64(url, $-) -> 62;
digit64(url, $_) -> 63;
digit64(_, C) -> bad_character(C).

digit32(base32, Case, C) when C >= $A, C =< $Z, Case =/= lower -> C - $A;
digit32(base32, Case, C) when C >= $a, C =< $z, Case =/= upper -> C - $a;
digit32(base32, _, C) when C >= $2, C =< $7 -> C - $2 + 26;
digit32(hex, _, C) when C >= $0, C =< $9 -> C - $0;
digit32(hex, Case, C) when C >= $A, C =< $V, Case =/= lower -> C - $A + 10;
digit32(hex, Case, C) when C >= $a, C =< $v, Case =/= upper -> C - $a + 10;
digit32(_, _, C) -> bad_character(C).

bad_character(Byte) ->
    Shown = 'Elixir.Kernel':inspect(<<Byte>>, [{binaries, as_strings}]),
    Message = iolist_to_binary([
        <<"non-alphabet character found: ">>,
        Shown,
        <<" (byte ">>,
        integer_to_binary(Byte),
        <<")">>
    ]),
    erlang:error('Elixir.ArgumentError':exception(Message)).
