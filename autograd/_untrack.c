/* Tell Python's cyclic garbage collector that a node cannot be part of a reference cycle.

   Reference counting frees a graph as soon as nothing holds it. The cyclic collector
   exists for what reference counting cannot free, cycles, and to find them it rescans
   every container object that is still alive, again and again: building a graph of a
   million nodes cost three times as much per node as one of a thousand, all of it spent
   rescanning nodes that can never be in a cycle.

   A node of gradlab's own class (no __dict__, fixed slots) refers only to numbers, to its
   op and to its inputs, and its inputs exist before it: a cycle through it would need an
   input that refers back to a later node, which only an object of another class can do.
   So a node whose inputs are all such nodes and all untracked is untracked too; one with
   any other input (a subclass with a __dict__, a node kept tracked) stays tracked. This
   is what CPython does itself for tuples and dicts that hold only numbers and strings
   (gc.is_tracked(), and _PyTuple_MaybeUntrack in CPython's gcmodule.c).

   node_class(Value): the class whose instances are nodes (called once, at import).
   acyclic(node, *inputs): untrack node if it and every input are instances of that class
   (or of a subclass that adds no attributes: __slots__ = ()) and every input is untracked
   already; an input that is an exact tuple stands for its items (an n-ary node's inputs)
   and is untracked with the node. A node with no inputs is a leaf. Returns True if the
   node was untracked. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyTypeObject *cls = NULL;  /* Value */

static int
is_node(PyObject *obj)
{
    PyTypeObject *t = Py_TYPE(obj);
    return t == cls || (cls != NULL && PyType_IsSubtype(t, cls)
                        && t->tp_basicsize == cls->tp_basicsize && t->tp_dictoffset == 0);
}

static int
acyclic_input(PyObject *input)
{
    return is_node(input) && !PyObject_GC_IsTracked(input);
}

static PyObject *
node_class(PyObject *module, PyObject *type)
{
    if (!PyType_Check(type)) {
        PyErr_SetString(PyExc_TypeError, "node_class() expects a class");
        return NULL;
    }
    Py_INCREF(type);
    Py_XDECREF(cls);
    cls = (PyTypeObject *)type;
    Py_RETURN_NONE;
}

static PyObject *
acyclic(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1) {
        PyErr_SetString(PyExc_TypeError, "acyclic() expects a node and its inputs");
        return NULL;
    }
    PyObject *node = args[0];
    if (!is_node(node))
        Py_RETURN_FALSE;
    for (Py_ssize_t i = 1; i < nargs; i++) {
        PyObject *input = args[i];
        if (PyTuple_CheckExact(input)) {
            for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(input); j++)
                if (!acyclic_input(PyTuple_GET_ITEM(input, j)))
                    Py_RETURN_FALSE;
        }
        else if (!acyclic_input(input))
            Py_RETURN_FALSE;
    }
    for (Py_ssize_t i = 1; i < nargs; i++)
        if (PyTuple_CheckExact(args[i]) && PyObject_GC_IsTracked(args[i]))
            PyObject_GC_UnTrack(args[i]);
    if (PyObject_GC_IsTracked(node))
        PyObject_GC_UnTrack(node);
    Py_RETURN_TRUE;
}

static PyMethodDef methods[] = {
    {"node_class", node_class, METH_O, "node_class(cls): the class whose instances are nodes."},
    {"acyclic", (PyCFunction)(void (*)(void))acyclic, METH_FASTCALL,
     "acyclic(node, *inputs): untrack node (and an inputs tuple) from the cyclic collector "
     "if all its inputs are untracked nodes of its class; True if it did."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_untrack",
    "Untrack graph nodes that cannot be in a reference cycle (see _untrack.c).", -1, methods,
};

PyMODINIT_FUNC
PyInit__untrack(void)
{
    return PyModule_Create(&module);
}
