%% SPDX-License-Identifier: Apache-2.0
%%
%% Stands in on the VM for AtomVM's unicode module, all of whose functions
%% (characters_to_list/1,2, characters_to_binary/1,2,3) are NIFs that the VM
%% calls whatever module is packed. Here are the normalizations that OTP's
%% unicode has and AtomVM's lacks: String.normalize/2 and String.equivalent?/2
%% call characters_to_nfd_binary/1 and characters_to_nfc_binary/1. The
%% Unicode data is OTP's unicode_util (packed from OTP's stdlib with
%% <elixirStdlib>), one grapheme cluster at a time, as OTP's unicode does.
-module(unicode).

-export([
    characters_to_nfc_binary/1,
    characters_to_nfd_binary/1,
    characters_to_nfkc_binary/1,
    characters_to_nfkd_binary/1,
    characters_to_nfc_list/1,
    characters_to_nfd_list/1,
    characters_to_nfkc_list/1,
    characters_to_nfkd_list/1
]).

characters_to_nfc_binary(Data) -> to_binary(characters_to_nfc_list(Data)).
characters_to_nfd_binary(Data) -> to_binary(characters_to_nfd_list(Data)).
characters_to_nfkc_binary(Data) -> to_binary(characters_to_nfkc_list(Data)).
characters_to_nfkd_binary(Data) -> to_binary(characters_to_nfkd_list(Data)).

characters_to_nfc_list(Data) -> normalize(fun unicode_util:nfc/1, Data).
characters_to_nfd_list(Data) -> normalize(fun unicode_util:nfd/1, Data).
characters_to_nfkc_list(Data) -> normalize(fun unicode_util:nfkc/1, Data).
characters_to_nfkd_list(Data) -> normalize(fun unicode_util:nfkd/1, Data).

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
