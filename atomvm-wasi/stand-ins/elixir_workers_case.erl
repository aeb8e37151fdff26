%% SPDX-License-Identifier: Apache-2.0
%%
%% Stands in on the VM for String.Unicode's upcase/3, downcase/3 and
%% titlecase_once/2, which String.upcase/2, downcase/2 and capitalize/2 call.
%% Elixir generates those as one clause per mapped codepoint (String.Unicode
%% is 53 KiB gzip packed); here they are a lookup in tables the build reads
%% off the same String.Unicode (elixir_workers_case_data, written by
%% generate/case_data.exs with the worker's own Elixir), so the answers are
%% that Elixir's, for its Unicode version, in every mode:
%%
%% - ASCII as Elixir's byte clause does it, with its clauses for i and I
%%   (:turkic) and for I followed by U+0307;
%% - a mapped codepoint becomes its mapping, an unmapped one is copied (as
%%   one piece or byte by byte, as String.Unicode does: the :greek rule looks
%%   back at the pieces), a byte that starts no UTF-8 sequence is copied;
%% - Σ in :greek mode is ς when a cased letter comes before it and none after
%%   (case-ignorable ones skipped both ways), as String.Unicode decides it.
%%
%% The packer sends every call of String.Unicode's functions here
%% (-elixir_workers_replaces).
-module(elixir_workers_case).

-elixir_workers_replaces([
    {'Elixir.String.Unicode', upcase, 3},
    {'Elixir.String.Unicode', downcase, 3},
    {'Elixir.String.Unicode', titlecase_once, 2}
]).

-export([upcase/3, downcase/3, titlecase_once/2]).

-define(SIGMA, 16#3A3).

upcase(<<>>, Acc, _Mode) ->
    iolist_to_binary(lists:reverse(Acc));
upcase(<<$i, Rest/binary>>, Acc, Mode) ->
    Char =
        case Mode of
            turkic -> <<"İ"/utf8>>;
            _ -> <<"I">>
        end,
    upcase(Rest, [Char | Acc], Mode);
upcase(<<Byte, Rest/binary>>, Acc, Mode) when Byte < 128 ->
    Upper =
        if
            Byte >= $a, Byte =< $z -> Byte - 32;
            true -> Byte
        end,
    upcase(Rest, [Upper | Acc], Mode);
upcase(Binary, Acc, Mode) ->
    {Piece, Rest} = mapped(upcase, Binary),
    upcase(Rest, [Piece | Acc], Mode).

downcase(<<>>, Acc, _Mode) ->
    iolist_to_binary(lists:reverse(Acc));
downcase(<<"İ"/utf8, Rest/binary>>, Acc, Mode) ->
    downcase(Rest, [dotted_i(Mode) | Acc], Mode);
downcase(<<$I, 16#307/utf8, Rest/binary>>, Acc, Mode) ->
    downcase(Rest, [dotted_i(Mode) | Acc], Mode);
downcase(<<$I, Rest/binary>>, Acc, Mode) ->
    Char =
        case Mode of
            turkic -> <<"ı"/utf8>>;
            _ -> <<"i">>
        end,
    downcase(Rest, [Char | Acc], Mode);
downcase(<<?SIGMA/utf8, Rest/binary>>, Acc, Mode) ->
    Final = Mode =:= greek andalso cased_before(Acc) andalso not cased_after(Rest),
    Char =
        case Final of
            true -> <<"ς"/utf8>>;
            false -> <<"σ"/utf8>>
        end,
    downcase(Rest, [Char | Acc], Mode);
downcase(<<Byte, Rest/binary>>, Acc, Mode) when Byte < 128 ->
    Lower =
        if
            Byte >= $A, Byte =< $Z -> Byte + 32;
            true -> Byte
        end,
    downcase(Rest, [Lower | Acc], Mode);
downcase(Binary, Acc, Mode) ->
    {Piece, Rest} = mapped(downcase, Binary),
    downcase(Rest, [Piece | Acc], Mode).

dotted_i(turkic) -> <<"i">>;
dotted_i(_) -> <<"i", 16#307/utf8>>.

titlecase_once(<<>>, _Mode) ->
    {<<>>, <<>>};
titlecase_once(<<$i, Rest/binary>>, Mode) ->
    Char =
        case Mode of
            turkic -> <<"İ"/utf8>>;
            _ -> <<"I">>
        end,
    {Char, Rest};
titlecase_once(<<Byte, Rest/binary>>, _Mode) when Byte < 128 ->
    if
        Byte >= $a, Byte =< $z -> {<<(Byte - 32)>>, Rest};
        true -> {<<Byte>>, Rest}
    end;
titlecase_once(<<Cp/utf8, Rest/binary>> = Binary, _Mode) ->
    case lookup(Cp, elixir_workers_case_data:mapping(titlecase_once)) of
        none -> titlecase_piece(Binary, {<<Cp/utf8>>, Rest});
        Mapping -> {Mapping, Rest}
    end;
titlecase_once(<<Byte, Rest/binary>> = Binary, _Mode) ->
    titlecase_piece(Binary, {<<Byte>>, Rest}).

%% A prefix titlecase_once/2 matches as a group takes the byte after it along,
%% whatever that byte is; otherwise the codepoint (or byte) is the piece.
titlecase_piece(Binary, Otherwise) ->
    case grouped(Binary, elixir_workers_case_data:grouped(titlecase_once)) of
        none -> Otherwise;
        Group -> Group
    end.

grouped(_Binary, []) ->
    none;
grouped(Binary, [Prefix | Prefixes]) ->
    Size = byte_size(Prefix),
    case Binary of
        <<Prefix:Size/binary, Byte, Rest/binary>> -> {<<Prefix/binary, Byte>>, Rest};
        _ -> grouped(Binary, Prefixes)
    end.

%% The piece for the codepoint (or byte) Binary starts with, and what follows:
%% its mapping; else the group its prefix starts; else its first byte.
mapped(Function, Binary) ->
    Mapping =
        case Binary of
            <<Cp/utf8, _/binary>> -> lookup(Cp, elixir_workers_case_data:mapping(Function));
            _ -> none
        end,
    case Mapping of
        none ->
            case grouped(Binary, elixir_workers_case_data:grouped(Function)) of
                none ->
                    <<Byte, Rest/binary>> = Binary,
                    {Byte, Rest};
                Group ->
                    Group
            end;
        _ ->
            <<_/utf8, Rest/binary>> = Binary,
            {Mapping, Rest}
    end.

%% Mapping ranges {First, Last, Step, Delta | Binary}, sorted by First.
lookup(Cp, Ranges) ->
    lookup(Cp, Ranges, 1, tuple_size(Ranges)).

lookup(_Cp, _Ranges, Low, High) when Low > High ->
    none;
lookup(Cp, Ranges, Low, High) ->
    Middle = (Low + High) div 2,
    {First, Last, Step, Mapping} = element(Middle, Ranges),
    if
        Cp < First ->
            lookup(Cp, Ranges, Low, Middle - 1);
        Cp > Last ->
            lookup(Cp, Ranges, Middle + 1, High);
        is_binary(Mapping) ->
            Mapping;
        (Cp - First) rem Step =:= 0 ->
            <<(Cp + Mapping)/utf8>>;
        true ->
            none
    end.

%% {First, Last, Class} ranges, sorted.
class(Cp) ->
    case range(Cp, elixir_workers_case_data:class()) of
        {_, _, Class} -> Class;
        none -> 0
    end.

range(Cp, Ranges) -> range(Cp, Ranges, 1, tuple_size(Ranges)).

range(_Cp, _Ranges, Low, High) when Low > High ->
    none;
range(Cp, Ranges, Low, High) ->
    Middle = (Low + High) div 2,
    Range = element(Middle, Ranges),
    if
        Cp < element(1, Range) -> range(Cp, Ranges, Low, Middle - 1);
        Cp > element(2, Range) -> range(Cp, Ranges, Middle + 1, High);
        true -> Range
    end.

%% The pieces before Σ (latest first): a cased letter, case-ignorable ones
%% skipped; a piece that is not one codepoint ends the search.
cased_before([Piece | Pieces]) when is_binary(Piece) ->
    case Piece of
        <<Cp/utf8>> ->
            case class(Cp) of
                2 -> cased_before(Pieces);
                Class -> Class =:= 1
            end;
        _ ->
            false
    end;
cased_before(_) ->
    false.

cased_after(<<Cp/utf8, Rest/binary>>) ->
    case class(Cp) of
        2 -> cased_after(Rest);
        Class -> Class =:= 1
    end;
cased_after(_) ->
    false.
