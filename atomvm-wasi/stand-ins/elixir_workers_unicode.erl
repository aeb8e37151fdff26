%% SPDX-License-Identifier: Apache-2.0
%%
%% The normalizations of OTP's unicode that AtomVM's lacks, as binaries:
%% String.normalize/2 and String.equivalent?/2 call
%% characters_to_nfd_binary/1 and characters_to_nfc_binary/1. The Unicode
%% data is OTP's unicode_util (packed from OTP's stdlib with <elixirStdlib>),
%% one grapheme cluster at a time, as OTP's unicode does. The packer sends
%% other modules' calls of these functions here (-elixir_workers_replaces),
%% so the decomposition tables of unicode_util (about 78 KiB gzip) are packed
%% only into a worker that can reach a normalization; AtomVM's unicode module,
%% whose other functions are NIFs, stays as it is.
%%
%% The _list forms are left out on purpose: String.Tokenizer, which inspect/1
%% of an atom reaches in every worker, calls characters_to_nfc_list/1 (for a
%% name that is not ASCII), and replacing it would pack those tables into
%% every worker. That call stays undefined on the VM, as before.
-module(elixir_workers_unicode).

-elixir_workers_replaces([
    {unicode, characters_to_nfc_binary, 1},
    {unicode, characters_to_nfd_binary, 1},
    {unicode, characters_to_nfkc_binary, 1},
    {unicode, characters_to_nfkd_binary, 1}
]).

-export([
    characters_to_nfc_binary/1,
    characters_to_nfd_binary/1,
    characters_to_nfkc_binary/1,
    characters_to_nfkd_binary/1
]).

characters_to_nfc_binary(Data) -> to_binary(normalize(fun unicode_util:nfc/1, Data)).
characters_to_nfd_binary(Data) -> to_binary(normalize(fun unicode_util:nfd/1, Data)).
characters_to_nfkc_binary(Data) -> to_binary(normalize(fun unicode_util:nfkc/1, Data)).
characters_to_nfkd_binary(Data) -> to_binary(normalize(fun unicode_util:nfkd/1, Data)).

%% Invalid or incomplete input is answered as characters_to_list/1 answers
%% it ({error, Converted, Rest}, {incomplete, Converted, Rest}).
normalize(Form, Data) ->
    case unicode:characters_to_list(Data) of
        Chars when is_list(Chars) -> clusters(Form, Chars, []);
        Error -> Error
    end.

clusters(Form, Chars, Acc) ->
    case Form(Chars) of
        [] -> lists:reverse(Acc);
        [Cluster | Rest] when is_integer(Cluster) -> clusters(Form, Rest, [Cluster | Acc]);
        [Cluster | Rest] -> clusters(Form, Rest, lists:reverse(Cluster, Acc))
    end.

to_binary(Chars) when is_list(Chars) -> unicode:characters_to_binary(Chars);
to_binary(Error) -> Error.
