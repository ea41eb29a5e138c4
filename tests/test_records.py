"""The records are plain classes on records.Record (not dataclasses, for start-up: issue 12):
they must still behave as the frozen dataclasses they replaced."""

import copy
import pickle

import pytest

from archcalc.core import spec
from archcalc.core.records import Analysis, Counts, LayerRow, Note, Shape


def test_fields_defaults_and_keywords():
    assert (Shape(3).c, Shape(3).h, Shape(3).w, Shape(3).flat) == (3, 1, 1, False)
    assert Counts(macs=5) == Counts(0, 0, 0, 5, 0)
    assert Counts(weights=2, biases=3).params == 5
    with pytest.raises(TypeError):
        Shape(1, 2, 3, False, "extra")
    with pytest.raises(TypeError):
        Counts(flops=1)


def test_equality_and_hash_by_fields_and_class():
    assert Shape(3, 4, 5) == Shape(3, 4, 5)
    assert Shape(3, 4, 5) != Shape(3, 4, 6)
    assert Shape(3, 4, 5) != (3, 4, 5)
    assert Note("spec", "x") != Shape(3)
    assert len({Shape(3, 4, 5), Shape(3, 4, 5), Shape(1)}) == 2
    with pytest.raises(TypeError):      # a dict field: unhashable, as with the dataclass
        hash(LayerRow("a", "relu", {}, (), (), Shape(1), Counts()))


def test_frozen():
    s = Shape(3, 4, 5)
    with pytest.raises(AttributeError):
        s.c = 4
    with pytest.raises(AttributeError):
        del s.h
    with pytest.raises(AttributeError):
        s.other = 1                     # __slots__: no other attribute either
    assert s == Shape(3, 4, 5)


def test_repr_names_every_field():
    assert repr(Shape(3, 4, 5)) == "Shape(c=3, h=4, w=5, flat=False)"
    assert repr(Note("spec", "a")) == "Note(kind='spec', text='a')"


def test_replace():
    s = Shape(3, 4, 5)
    assert s.replace(h=7) == Shape(3, 7, 5)
    assert s == Shape(3, 4, 5)
    with pytest.raises(TypeError, match="no field 'x'"):
        s.replace(x=1)


def test_pickle_and_copy_round_trip():
    net = spec.load("lenet5")
    for obj in (Shape(3, 4, 5, True), net, net.nodes[0]):
        assert pickle.loads(pickle.dumps(obj)) == obj
        assert copy.deepcopy(obj) == obj
        assert copy.copy(obj) == obj


def test_replace_on_a_network_keeps_the_rest():
    net = spec.load("lenet5")
    other = net.replace(input=Shape(1, 36, 36))
    assert other.input == Shape(1, 36, 36) and other.nodes is net.nodes and other.name == net.name
    a = Analysis("n", "d", "s", "f", Shape(1), ())
    assert a.even_inputs == () and a.accuracy is None and a.notes == ()


def test_fast_constructors_make_the_frozen_records():
    # records.new_row and spec.new_node (the engine's and the expander's, a million times) make
    # the same records as the classes, frozen as they are.
    from archcalc.core.records import new_row
    from archcalc.core.spec import Node, new_node

    row = new_row("a", "relu", {}, ("x",), (Shape(1),), Shape(1), Counts(), (), "", True)
    assert type(row) is LayerRow
    assert row == LayerRow("a", "relu", {}, ("x",), (Shape(1),), Shape(1), Counts(), aux=True)
    assert repr(row).startswith("LayerRow(name='a', kind='relu'")
    node = new_node("n", "relu", {}, ("x",), "layers[0]", "relu")
    assert type(node) is Node and node == Node("n", "relu", {}, ("x",), "layers[0]", "relu")
    assert node.replace(aux=True).aux and pickle.loads(pickle.dumps(row)) == row
    for obj, field in ((row, "name"), (node, "aux")):
        with pytest.raises(AttributeError):
            setattr(obj, field, 1)
