#include "ir/graph.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace mconv::ir {

Shape make_shape(const std::vector<int64_t>& dims) {
  Shape s;
  s.reserve(dims.size());
  for (int64_t d : dims) s.push_back(Dim{d < 0 ? -1 : d, ""});
  return s;
}

bool shape_is_static(const Shape& shape) {
  return std::all_of(shape.begin(), shape.end(), [](const Dim& d) { return d.known(); });
}

std::vector<int64_t> static_dims(const Shape& shape) {
  std::vector<int64_t> out;
  out.reserve(shape.size());
  for (const Dim& d : shape) out.push_back(d.known() ? d.size : -1);
  return out;
}

std::string shape_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += shape[i].known() ? std::to_string(shape[i].size)
                          : (shape[i].symbol.empty() ? "?" : shape[i].symbol);
  }
  return s + "]";
}

std::string_view layout_name(Layout layout) {
  switch (layout) {
    case Layout::kNCHW:
      return "NCHW";
    case Layout::kNHWC:
      return "NHWC";
    case Layout::kNone:
      break;
  }
  return "none";
}

std::string Graph::unique_value_name(const std::string& base) const {
  if (!value_by_name_.count(base)) return base;
  for (int i = 1;; ++i) {
    std::string candidate = base + "_" + std::to_string(i);
    if (!value_by_name_.count(candidate)) return candidate;
  }
}

std::string Graph::unique_node_name(const std::string& base) const {
  if (!node_by_name_.count(base)) return base;
  for (int i = 1;; ++i) {
    std::string candidate = base + "_" + std::to_string(i);
    if (!node_by_name_.count(candidate)) return candidate;
  }
}

std::string Graph::rename_value(Value* value, const std::string& name) {
  if (value->name == name) return name;
  value_by_name_.erase(value->name);
  value->name = unique_value_name(name.empty() ? "v" : name);
  value_by_name_[value->name] = value;
  return value->name;
}

std::string Graph::rename_node(Node* node, const std::string& name) {
  if (node->name == name) return name;
  node_by_name_.erase(node->name);
  node->name = unique_node_name(name.empty() ? std::string(op_name(node->op)) : name);
  node_by_name_[node->name] = node;
  return node->name;
}

Value* Graph::add_value(const std::string& name, DType dtype, const Shape& shape, bool has_shape) {
  auto v = std::make_unique<Value>();
  v->name = unique_value_name(name.empty() ? "v" : name);
  v->dtype = dtype;
  v->shape = shape;
  v->has_shape = has_shape;
  Value* raw = v.get();
  value_by_name_[raw->name] = raw;
  values_.push_back(std::move(v));
  return raw;
}

Value* Graph::add_constant(const std::string& name, Tensor data) {
  Value* v = add_value(name, data.dtype(), make_shape(data.shape()));
  v->constant = std::make_shared<const Tensor>(std::move(data));
  return v;
}

Node* Graph::add_node(OpType op, const std::string& name, std::vector<Value*> inputs,
                      std::vector<Value*> outputs) {
  auto n = std::make_unique<Node>();
  n->op = op;
  n->name = unique_node_name(name.empty() ? std::string(op_name(op)) : name);
  n->inputs = std::move(inputs);
  n->outputs = std::move(outputs);
  Node* raw = n.get();
  for (Value* in : raw->inputs)
    if (in) in->consumers.push_back(raw);
  for (Value* out : raw->outputs) out->producer = raw;
  node_by_name_[raw->name] = raw;
  nodes_.push_back(std::move(n));
  return raw;
}

namespace {
void erase_one(std::vector<Node*>& list, Node* node) {
  auto it = std::find(list.begin(), list.end(), node);
  if (it != list.end()) list.erase(it);
}
}  // namespace

void Graph::set_input(Node* node, size_t index, Value* value) {
  if (index >= node->inputs.size()) node->inputs.resize(index + 1, nullptr);
  if (Value* old = node->inputs[index]) erase_one(old->consumers, node);
  node->inputs[index] = value;
  if (value) value->consumers.push_back(node);
}

void Graph::replace_all_uses(Value* from, Value* to) {
  if (from == to) return;
  std::vector<Node*> users = from->consumers;
  for (Node* user : users) {
    for (size_t i = 0; i < user->inputs.size(); ++i)
      if (user->inputs[i] == from) set_input(user, i, to);
  }
  for (Value*& out : outputs)
    if (out == from) out = to;
}

void Graph::remove_node(Node* node) {
  for (Value* in : node->inputs)
    if (in) erase_one(in->consumers, node);
  for (Value* out : node->outputs)
    if (out->producer == node) out->producer = nullptr;
  node_by_name_.erase(node->name);
  auto it = std::find_if(nodes_.begin(), nodes_.end(),
                         [node](const std::unique_ptr<Node>& n) { return n.get() == node; });
  if (it != nodes_.end()) nodes_.erase(it);
}

int Graph::remove_dead() {
  std::unordered_set<const Value*> live(outputs.begin(), outputs.end());
  std::unordered_set<const Node*> live_nodes;
  // Walk backwards from the outputs (nodes are topologically ordered, so reverse order works).
  for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
    const Node* n = it->get();
    bool needed = std::any_of(n->outputs.begin(), n->outputs.end(),
                              [&](const Value* v) { return live.count(v) != 0; });
    if (!needed) continue;
    live_nodes.insert(n);
    for (const Value* in : n->inputs)
      if (in) live.insert(in);
  }
  int removed = 0;
  std::vector<Node*> dead;
  for (const auto& n : nodes_)
    if (!live_nodes.count(n.get())) dead.push_back(n.get());
  for (Node* n : dead) {
    remove_node(n);
    ++removed;
  }
  for (const Value* v : inputs) live.insert(v);
  std::vector<std::unique_ptr<Value>> kept;
  kept.reserve(values_.size());
  for (auto& v : values_) {
    if (live.count(v.get()) || v->producer) {
      kept.push_back(std::move(v));
    } else {
      value_by_name_.erase(v->name);
    }
  }
  values_ = std::move(kept);
  return removed;
}

Status Graph::topological_sort() {
  std::unordered_map<const Node*, int> pending;  // unresolved producer count per node
  std::unordered_map<const Node*, size_t> position;
  for (size_t i = 0; i < nodes_.size(); ++i) position[nodes_[i].get()] = i;
  std::vector<Node*> ready;
  for (const auto& n : nodes_) {
    int count = 0;
    for (const Value* in : n->inputs)
      if (in && in->producer) ++count;
    pending[n.get()] = count;
    if (count == 0) ready.push_back(n.get());
  }
  // Kahn's algorithm; ties keep the original order so sorting is deterministic and stable.
  std::vector<Node*> order;
  order.reserve(nodes_.size());
  auto by_position = [&](const Node* a, const Node* b) { return position[a] > position[b]; };
  std::make_heap(ready.begin(), ready.end(), by_position);
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), by_position);
    Node* n = ready.back();
    ready.pop_back();
    order.push_back(n);
    for (Value* out : n->outputs) {
      std::vector<Node*> users = out->consumers;  // a node reading `out` twice appears twice
      std::sort(users.begin(), users.end());
      users.erase(std::unique(users.begin(), users.end()), users.end());
      for (Node* user : users) {
        for (const Value* in : user->inputs) {
          if (in != out) continue;
          if (--pending[user] == 0) {
            ready.push_back(user);
            std::push_heap(ready.begin(), ready.end(), by_position);
          }
        }
      }
    }
  }
  if (order.size() != nodes_.size()) {
    for (const auto& n : nodes_)
      if (pending[n.get()] > 0)
        return Status::Error("graph has a cycle through node '" + n->name + "' (" +
                             std::string(op_name(n->op)) + ")");
  }
  std::unordered_map<const Node*, std::unique_ptr<Node>*> slot;
  std::vector<std::unique_ptr<Node>> sorted;
  sorted.reserve(nodes_.size());
  for (auto& n : nodes_) slot[n.get()] = &n;
  for (Node* n : order) sorted.push_back(std::move(*slot[n]));
  nodes_ = std::move(sorted);
  return Status::Ok();
}

Value* Graph::find_value(const std::string& name) const {
  auto it = value_by_name_.find(name);
  return it == value_by_name_.end() ? nullptr : it->second;
}

Node* Graph::find_node(const std::string& name) const {
  auto it = node_by_name_.find(name);
  return it == node_by_name_.end() ? nullptr : it->second;
}

int64_t Graph::parameter_count() const {
  int64_t total = 0;
  for (const auto& v : values_)
    if (v->constant && !v->consumers.empty()) total += v->constant->element_count();
  return total;
}

Graph Graph::clone() const {
  Graph g;
  g.name = name;
  std::unordered_map<const Value*, Value*> vmap;
  for (const auto& v : values_) {
    Value* c = g.add_value(v->name, v->dtype, v->shape, v->has_shape);
    c->constant = v->constant;
    c->quant = v->quant;
    vmap[v.get()] = c;
  }
  for (const auto& n : nodes_) {
    std::vector<Value*> ins, outs;
    for (const Value* in : n->inputs) ins.push_back(in ? vmap.at(in) : nullptr);
    for (const Value* out : n->outputs) outs.push_back(vmap.at(out));
    Node* c = g.add_node(n->op, n->name, std::move(ins), std::move(outs));
    c->attrs = n->attrs;
    c->layout = n->layout;
  }
  for (const Value* v : inputs) g.inputs.push_back(vmap.at(v));
  for (const Value* v : outputs) g.outputs.push_back(vmap.at(v));
  return g;
}

Model Model::clone() const {
  Model m;
  m.graph = graph.clone();
  m.source_opset = source_opset;
  m.source_format = source_format;
  m.producer = producer;
  m.metadata = metadata;
  return m;
}

}  // namespace mconv::ir
